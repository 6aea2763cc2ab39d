import { RectMode, type ByteWriter } from '../common/frame.js';

const SLOTS = 1024;
const MAX_COLOURS = 256;

/** Where a tile's pixels are: 32-bit BGRX, `stride` pixels per row, starting at pixel `start`. */
export interface TileSource {
  readonly pixels: Uint32Array;
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly stride: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Writes one tile's body (from its mode byte on): a palette when it has at most 256 colours, else raw B,G,R.
 * Colours keep the order they first appear in, so a text cell's background is index 0 in every update.
 */
export class TileWriter {
  readonly #keys = new Int32Array(SLOTS).fill(-1);
  readonly #values = new Uint8Array(SLOTS);
  readonly #palette = new Int32Array(MAX_COLOURS);
  readonly #usedSlots = new Uint16Array(MAX_COLOURS);
  #indices = new Uint8Array(64 * 64);
  #count = 0;
  /** Bytes written in raw mode since the caller last zeroed this. */
  rawBytes = 0;

  write(out: ByteWriter, tile: TileSource): void {
    const area = tile.width * tile.height;
    if (this.#indices.length < area) this.#indices = new Uint8Array(area);
    if (this.#index(tile)) this.#writePalette(out, tile);
    else this.#writeRaw(out, tile);
    for (let i = 0; i < this.#count; i++) this.#keys[this.#usedSlots[i]] = -1;
    this.#count = 0;
  }

  /** Fills #indices and #palette; false when the tile has too many colours. */
  #index({ pixels, start, stride, width, height }: TileSource): boolean {
    const indices = this.#indices;
    let previous = -1;
    let index = 0;
    let i = 0;
    for (let y = 0; y < height; y++) {
      const row = start + y * stride;
      for (let x = 0; x < width; x++) {
        const colour = pixels[row + x] & 0xffffff;
        if (colour !== previous) {
          index = this.#lookup(colour);
          if (index < 0) return false;
          previous = colour;
        }
        indices[i++] = index;
      }
    }
    return true;
  }

  #lookup(colour: number): number {
    const keys = this.#keys;
    for (let slot = Math.imul(colour, 0x9e3779b1) >>> 22; ; slot = (slot + 1) & (SLOTS - 1)) {
      const key = keys[slot];
      if (key === colour) return this.#values[slot];
      if (key !== -1) continue;
      if (this.#count === MAX_COLOURS) return -1;
      keys[slot] = colour;
      this.#values[slot] = this.#count;
      this.#usedSlots[this.#count] = slot;
      this.#palette[this.#count] = colour;
      return this.#count++;
    }
  }

  #writePalette(out: ByteWriter, { width, height }: TileSource): void {
    const count = this.#count;
    const bits = count === 1 ? 0 : count <= 2 ? 1 : count <= 4 ? 2 : count <= 16 ? 4 : 8;
    out.ensure(2 + count * 3 + Math.ceil(width / 8) * bits * height);
    const bytes = out.bytes;
    let o = out.length;
    bytes[o++] = RectMode.palette;
    bytes[o++] = count - 1;
    for (let i = 0; i < count; i++) {
      const colour = this.#palette[i];
      bytes[o++] = colour & 255;
      bytes[o++] = (colour >> 8) & 255;
      bytes[o++] = colour >> 16;
    }
    const indices = this.#indices;
    // Strips 8 pixels wide keep a text cell's rows together, so a glyph seen before is one back-reference.
    for (let x0 = 0; bits > 0 && x0 < width; x0 += 8) {
      const stripWidth = Math.min(8, width - x0);
      for (let y = 0, i = x0; y < height; y++, i += width) {
        let acc = 0;
        let filled = 0;
        for (let x = 0; x < stripWidth; x++) {
          acc = (acc << bits) | indices[i + x];
          filled += bits;
          if (filled === 8) {
            bytes[o++] = acc;
            acc = 0;
            filled = 0;
          }
        }
        if (filled > 0) bytes[o++] = acc << (8 - filled);
      }
    }
    out.length = o;
  }

  /** Each byte minus the one above it: gradients and photos turn into small, repetitive residuals. */
  #writeRaw(out: ByteWriter, { bytes: source, start, stride, width, height }: TileSource): void {
    out.ensure(1 + width * height * 3);
    this.rawBytes += width * height * 3;
    const bytes = out.bytes;
    let o = out.length;
    bytes[o++] = RectMode.raw;
    const above = stride * 4;
    for (let y = 0; y < height; y++) {
      let s = (start + y * stride) * 4;
      if (y === 0) {
        for (let x = 0; x < width; x++, s += 4) {
          bytes[o++] = source[s];
          bytes[o++] = source[s + 1];
          bytes[o++] = source[s + 2];
        }
        continue;
      }
      for (let x = 0; x < width; x++, s += 4) {
        bytes[o++] = source[s] - source[s - above];
        bytes[o++] = source[s + 1] - source[s + 1 - above];
        bytes[o++] = source[s + 2] - source[s + 2 - above];
      }
    }
    out.length = o;
  }
}
