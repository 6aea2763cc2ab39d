import type { CursorState, ScreenGeometry, ScreenPicture } from './api.js';
import {
  ByteReader,
  MAX_AREA,
  MAX_CURSOR_SIDE,
  MAX_PAYLOAD,
  MAX_SIDE,
  maxUpdatePixels,
  MessageKind,
  readPlainKind,
  RectMode,
  ScreenFrameError,
  SYNC_FLUSH_TAIL,
} from './frame.js';
import type { ScreenRect } from './api.js';
import type { Inflater } from './inflater.js';
import { LossyBlocks } from './lossy-blocks.js';
import { readSync, readVideo, type SyncMark, type VideoFrame } from './messages.js';

/** Decodes and paints a video frame's areas; resolves once they are on show, so later messages paint over them. */
export type VideoPainter = (frame: VideoFrame) => Promise<void>;

/** What one message changed. `skipped`: a message of a stream broken by an earlier error, before the next reset. */
export type ScreenEvent =
  | { readonly type: 'reset'; readonly geometry: ScreenGeometry }
  | { readonly type: 'update'; readonly dirty: readonly ScreenRect[]; readonly complete: boolean }
  | { readonly type: 'video'; readonly frame: VideoFrame }
  | { readonly type: 'sync'; readonly mark: SyncMark }
  | { readonly type: 'cursor'; readonly cursor: CursorState; readonly shapeChanged: boolean }
  | { readonly type: 'skipped' };

type State = 'idle' | 'streaming' | 'broken';

/**
 * Applies the novice's `screen` messages, in order, to an RGBA framebuffer. A message that cannot be
 * decoded rejects with ScreenFrameError; the stream is then broken, later messages are skipped until
 * the next reset, and the caller should ask for a refresh once.
 */
export class ScreenDecoder {
  readonly #inflater: Inflater;
  #queue: Promise<unknown> = Promise.resolve();
  #state: State = 'idle';
  #width = 0;
  #height = 0;
  #rgba: Uint8ClampedArray<ArrayBuffer> = new Uint8ClampedArray(0);
  #pixels = new Uint32Array(0);
  #x = 0;
  #y = 0;
  /** Pixels the update being read may still paint. */
  #budget = 0;
  /** Pixels not yet received since the reset, until the first complete frame. */
  #seen?: Uint8Array;
  #missing = 0;
  #cursor?: CursorState;
  /** Areas shown from video, not yet sent exactly. */
  #lossy = new LossyBlocks({ width: 0, height: 0 });
  readonly #video?: VideoPainter;
  readonly #lut = new Uint32Array(256);
  readonly #colour = new Uint8Array(4);
  readonly #colour32 = new Uint32Array(this.#colour.buffer);

  /** Without a `video` painter, video frames only mark their areas as not yet known exactly. */
  constructor(inflater: Inflater, video?: VideoPainter) {
    this.#inflater = inflater;
    this.#video = video;
  }

  get geometry(): ScreenGeometry | undefined {
    return this.#state === 'idle' ? undefined : { width: this.#width, height: this.#height };
  }

  /** The live framebuffer, `width * 4` bytes per row, e.g. for `new ImageData(framebuffer, width, height)`. */
  get framebuffer(): Uint8ClampedArray<ArrayBuffer> {
    return this.#rgba;
  }

  /** Whether every pixel has been received since the last reset, exactly or as video. */
  get complete(): boolean {
    return this.#state !== 'idle' && this.#seen === undefined;
  }

  /** Whether the picture is complete and every pixel exactly the novice's (no video area awaits its exact pixels). */
  get exact(): boolean {
    return this.complete && this.#lossy.count === 0;
  }

  /** True after an error, until the next reset. */
  get broken(): boolean {
    return this.#state === 'broken';
  }

  /** The latest cursor position, with the latest shape received. */
  get cursor(): CursorState | undefined {
    return this.#cursor;
  }

  /** A copy of the current picture. */
  snapshot(): ScreenPicture {
    return { width: this.#width, height: this.#height, rgba: new Uint8Array(this.#rgba.buffer.slice(0)) };
  }

  /** Applies one message after those passed before it. */
  apply(message: Uint8Array): Promise<ScreenEvent> {
    const result = this.#queue.then(() => this.#apply(message));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #apply(message: Uint8Array): Promise<ScreenEvent> {
    try {
      const reader = new ByteReader(message, 'screen message');
      const length = reader.varint();
      const plain = length === 0 ? readPlainKind(reader) : undefined;
      if (plain === MessageKind.reset) return this.#reset(reader);
      // A sync mark is answered even by a broken stream, so the novice's pacing never waits on a refresh.
      if (plain === MessageKind.sync) return { type: 'sync', mark: readSync(reader) };
      if (plain !== undefined && plain !== MessageKind.cursor && plain !== MessageKind.video) {
        const name = { [MessageKind.update]: 'plain update', [MessageKind.refresh]: 'refresh', [MessageKind.caps]: 'caps' }[plain] ?? `kind ${plain}`;
        throw new ScreenFrameError(`a ${name} message cannot come from the novice`);
      }
      if (this.#state === 'broken') return { type: 'skipped' };
      if (this.#state === 'idle') throw new ScreenFrameError('screen message before any reset');
      if (plain === MessageKind.video) return await this.#videoFrame(reader);
      if (plain === MessageKind.cursor) return this.#cursorMove(reader);
      const payload = await this.#inflate(reader, length);
      const kind = payload.u8();
      if (kind === MessageKind.update) return this.#update(payload);
      if (kind === MessageKind.cursor) return this.#cursorShape(payload);
      throw new ScreenFrameError(`unknown compressed message kind ${kind}`);
    } catch (error) {
      if (this.#state === 'streaming') this.#state = 'broken';
      throw error instanceof ScreenFrameError ? error : new ScreenFrameError(`cannot decode screen message: ${String(error)}`);
    }
  }

  #reset(reader: ByteReader): ScreenEvent {
    const width = reader.u16();
    const height = reader.u16();
    if (reader.remaining !== 0) throw new ScreenFrameError('reset message is too long');
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_AREA) {
      throw new ScreenFrameError(`reset to an unsupported screen size ${width}×${height}`);
    }
    this.#inflater.reset();
    this.#state = 'streaming';
    this.#width = width;
    this.#height = height;
    this.#rgba = new Uint8ClampedArray(width * height * 4);
    this.#pixels = new Uint32Array(this.#rgba.buffer);
    this.#pixels.fill(this.#pack(0, 0, 0));
    this.#x = 0;
    this.#y = 0;
    this.#seen = new Uint8Array(width * height);
    this.#missing = width * height;
    this.#lossy = new LossyBlocks({ width, height });
    return { type: 'reset', geometry: { width, height } };
  }

  async #videoFrame(reader: ByteReader): Promise<ScreenEvent> {
    const frame = readVideo(reader, { width: this.#width, height: this.#height });
    if (this.#video) {
      try {
        await this.#video(frame);
      } catch (error) {
        throw new ScreenFrameError(`cannot decode a video frame: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const r of frame.rects) {
      this.#lossy.mark(r);
      this.#cover(r.x, r.y, r.width, r.height);
    }
    return { type: 'video', frame };
  }

  /** Inflates the rest of a message, deflate data without its sync-flush tail, to `length` bytes. */
  async #inflate(reader: ByteReader, length: number): Promise<ByteReader> {
    if (length > MAX_PAYLOAD) throw new ScreenFrameError(`screen message declares ${length} bytes, more than the limit`);
    const chunk = new Uint8Array(reader.remaining + SYNC_FLUSH_TAIL.length);
    chunk.set(reader.bytes.subarray(reader.offset));
    chunk.set(SYNC_FLUSH_TAIL, reader.remaining);
    try {
      return new ByteReader(await this.#inflater.inflate(chunk, length), 'compressed screen message');
    } catch (error) {
      throw new ScreenFrameError(`cannot inflate a screen message: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #update(reader: ByteReader): ScreenEvent {
    const dirty: ScreenRect[] = [];
    this.#budget = maxUpdatePixels(this.#width, this.#height);
    while (reader.remaining > 0) {
      const rect = this.#rect(reader);
      const last = dirty[dirty.length - 1];
      // Tiles of one band merge into one rect to paint.
      if (last && last.y === rect.y && last.height === rect.height && last.x + last.width === rect.x) {
        dirty[dirty.length - 1] = { ...last, width: last.width + rect.width };
      } else dirty.push(rect);
    }
    return { type: 'update', dirty, complete: this.complete };
  }

  #rect(reader: ByteReader): ScreenRect {
    const x = this.#x + reader.zigzag();
    const y = this.#y + reader.zigzag();
    const width = reader.varint();
    const height = reader.varint();
    if (width < 1 || height < 1 || x < 0 || y < 0 || x + width > this.#width || y + height > this.#height) {
      throw new ScreenFrameError(`rect ${width}×${height} at ${x},${y} is outside the ${this.#width}×${this.#height} screen`);
    }
    this.#budget -= width * height;
    if (this.#budget < 0) throw new ScreenFrameError(`an update paints more than ${maxUpdatePixels(this.#width, this.#height)} pixels`);
    this.#x = x;
    this.#y = y;
    const mode = reader.u8();
    if (mode === RectMode.palette) this.#palette(reader, x, y, width, height);
    else if (mode === RectMode.raw) this.#raw(reader, x, y, width, height);
    else throw new ScreenFrameError(`unknown rect mode ${mode}`);
    this.#cover(x, y, width, height);
    this.#lossy.clear({ x, y, width, height });
    return { x, y, width, height };
  }

  #palette(reader: ByteReader, x: number, y: number, width: number, height: number): void {
    const count = reader.u8() + 1;
    const bytes = reader.bytes;
    const lut = this.#lut;
    let at = reader.need(count * 3);
    for (let i = 0; i < count; i++, at += 3) lut[i] = this.#pack(bytes[at + 2], bytes[at + 1], bytes[at]);
    const pixels = this.#pixels;
    if (count === 1) {
      for (let row = y * this.#width + x, end = row + height * this.#width; row < end; row += this.#width) {
        pixels.fill(lut[0], row, row + width);
      }
      return;
    }
    const bits = count <= 2 ? 1 : count <= 4 ? 2 : count <= 16 ? 4 : 8;
    const mask = (1 << bits) - 1;
    for (let x0 = 0; x0 < width; x0 += 8) {
      const stripWidth = Math.min(8, width - x0);
      const rowBytes = (stripWidth * bits + 7) >> 3;
      at = reader.need(rowBytes * height);
      for (let r = 0, row = y * this.#width + x + x0; r < height; r++, at += rowBytes, row += this.#width) {
        for (let c = 0, bit = 0; c < stripWidth; c++, bit += bits) {
          const index = (bytes[at + (bit >> 3)] >> (8 - bits - (bit & 7))) & mask;
          if (index >= count) throw new ScreenFrameError(`palette index ${index} is out of range for ${count} colours`);
          pixels[row + c] = lut[index];
        }
      }
    }
  }

  #raw(reader: ByteReader, x: number, y: number, width: number, height: number): void {
    const bytes = reader.bytes;
    const rgba = this.#rgba;
    const above = this.#width * 4;
    let at = reader.need(width * height * 3);
    for (let r = 0; r < height; r++) {
      let o = ((y + r) * this.#width + x) * 4;
      if (r === 0) {
        for (let c = 0; c < width; c++, at += 3, o += 4) {
          rgba[o] = bytes[at + 2];
          rgba[o + 1] = bytes[at + 1];
          rgba[o + 2] = bytes[at];
          rgba[o + 3] = 255;
        }
        continue;
      }
      for (let c = 0; c < width; c++, at += 3, o += 4) {
        rgba[o] = (bytes[at + 2] + rgba[o - above]) & 255;
        rgba[o + 1] = (bytes[at + 1] + rgba[o + 1 - above]) & 255;
        rgba[o + 2] = (bytes[at] + rgba[o + 2 - above]) & 255;
        rgba[o + 3] = 255;
      }
    }
  }

  #cover(x: number, y: number, width: number, height: number): void {
    const seen = this.#seen;
    if (!seen) return;
    for (let r = 0; r < height; r++) {
      for (let i = (y + r) * this.#width + x, end = i + width; i < end; i++) {
        if (seen[i] === 0) {
          seen[i] = 1;
          this.#missing--;
        }
      }
    }
    if (this.#missing === 0) this.#seen = undefined;
  }

  #cursorMove(reader: ByteReader): ScreenEvent {
    const x = reader.i16();
    const y = reader.i16();
    if (reader.remaining !== 0) throw new ScreenFrameError('cursor message is too long');
    const image = this.#cursor?.image;
    this.#cursor = image ? { x, y, image } : { x, y };
    return { type: 'cursor', cursor: this.#cursor, shapeChanged: false };
  }

  #cursorShape(reader: ByteReader): ScreenEvent {
    const x = reader.i16();
    const y = reader.i16();
    const width = reader.u16();
    const height = reader.u16();
    const hotX = reader.u16();
    const hotY = reader.u16();
    if (width < 1 || height < 1 || width > MAX_CURSOR_SIDE || height > MAX_CURSOR_SIDE || hotX >= width || hotY >= height) {
      throw new ScreenFrameError(`cursor shape ${width}×${height} with hotspot ${hotX},${hotY} is not valid`);
    }
    if (reader.remaining !== width * height * 4) throw new ScreenFrameError('cursor shape has the wrong number of pixels');
    this.#cursor = { x, y, image: { width, height, hotX, hotY, rgba: reader.bytes.subarray(reader.offset) } };
    return { type: 'cursor', cursor: this.#cursor, shapeChanged: true };
  }

  /** An opaque RGBA pixel as the framebuffer's Uint32 view holds it, whatever the byte order. */
  #pack(r: number, g: number, b: number): number {
    this.#colour[0] = r;
    this.#colour[1] = g;
    this.#colour[2] = b;
    this.#colour[3] = 255;
    return this.#colour32[0];
  }
}
