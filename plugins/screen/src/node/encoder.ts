import { constants, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import type { CursorState, ScreenGeometry, ScreenUpdate } from '../common/api.js';
import { ByteWriter, encodeReset, MAX_CURSOR_SIDE, MAX_PAYLOAD, MessageKind, plainHeader, SYNC_FLUSH_TAIL } from '../common/frame.js';
import { TileWriter, type TileSource } from './encoder-tile.js';

export interface ScreenEncoderOptions {
  /** zlib level for ordinary batches, 1–9. */
  readonly level?: number;
  /** zlib level for batches with over BULK_BYTES of raw pixels, e.g. a photo, where level 6 would cost hundreds of ms. */
  readonly bulkLevel?: number;
  /** Side of the tiles large rects are cut into, each choosing its own mode. */
  readonly tileSize?: number;
}

const BULK_BYTES = 64 * 1024;

/** One viewer's deflate stream; its output is taken at each flush, one flush at a time. */
class Stream {
  readonly deflate: DeflateRaw;
  tail: Promise<unknown> = Promise.resolve();
  closed = false;
  #level: number;
  #chunks: Buffer[] = [];
  #settle?: (data: Uint8Array | undefined) => void;
  #fail?: (error: Error) => void;

  constructor(level: number) {
    this.#level = level;
    this.deflate = createDeflateRaw({ level, memLevel: 9 });
    this.deflate.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
    this.deflate.on('error', (error: Error) => this.#fail?.(error));
  }

  /** Deflates `payload` at `level` after everything queued before it; undefined when the stream closed first. */
  compress(payload: Uint8Array, level: number): Promise<Uint8Array | undefined> {
    const result = this.tail.then(
      () =>
        new Promise<Uint8Array | undefined>((resolve, reject) => {
          if (this.closed) return resolve(undefined);
          this.#settle = resolve;
          this.#fail = reject;
          const write = (): void => {
            if (this.closed) return;
            this.deflate.write(payload);
            this.deflate.flush(constants.Z_SYNC_FLUSH, () => {
              const data = Buffer.concat(this.#chunks);
              this.#chunks = [];
              resolve(this.closed ? undefined : data);
            });
          };
          if (level === this.#level) return write();
          // Switching levels may flush an empty stored block; it travels harmlessly with this message.
          this.#level = level;
          this.deflate.params(level, constants.Z_DEFAULT_STRATEGY, write);
        }),
    );
    this.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.closed = true;
    this.#settle?.(undefined);
    this.deflate.destroy();
  }
}

/**
 * Encodes one viewer's screen stream (format in ../common/frame.ts). Every message shares one persistent
 * deflate stream, so glyphs and rows already sent cost a back-reference, and rect positions are deltas,
 * so a line of typing repeats the same rect header. Promises settle in call order, and messages must be
 * sent in that order; one that resolves to undefined has nothing to send. Bad input rejects and leaves
 * the stream usable.
 */
export class ScreenEncoder {
  readonly #level: number;
  readonly #bulkLevel: number;
  readonly #tileSize: number;
  readonly #writer = new ByteWriter();
  readonly #tiles = new TileWriter();
  #stream?: Stream;
  #geometry: ScreenGeometry = { width: 0, height: 0 };
  #x = 0;
  #y = 0;

  constructor(options: ScreenEncoderOptions = {}) {
    this.#level = options.level ?? 6;
    this.#bulkLevel = options.bulkLevel ?? 1;
    this.#tileSize = options.tileSize ?? 64;
  }

  /** Starts a new stream; updates still being compressed for the old one resolve to undefined. */
  reset(geometry: ScreenGeometry): Uint8Array {
    const message = encodeReset(geometry.width, geometry.height);
    this.#stream?.close();
    this.#stream = new Stream(this.#level);
    this.#geometry = { width: geometry.width, height: geometry.height };
    this.#x = 0;
    this.#y = 0;
    return message;
  }

  /** One `update` message for a batch of changed rects; undefined when the batch is empty. */
  async encode(updates: readonly ScreenUpdate[]): Promise<Uint8Array | undefined> {
    const stream = this.#open();
    for (const update of updates) this.#check(update);
    const [x, y] = [this.#x, this.#y];
    this.#writer.u8(MessageKind.update);
    this.#tiles.rawBytes = 0;
    for (const update of updates) this.#rect(update);
    const payload = this.#writer.take();
    if (payload.length === 1) return undefined;
    if (payload.length > MAX_PAYLOAD) {
      [this.#x, this.#y] = [x, y];
      throw new RangeError(`screen batch of ${payload.length} bytes is too large; send it in parts`);
    }
    return this.#compress(stream, payload, this.#tiles.rawBytes > BULK_BYTES ? this.#bulkLevel : this.#level);
  }

  /** A `cursor` message: plain for a move, compressed with the stream when the shape changed. */
  async cursor(state: CursorState): Promise<Uint8Array | undefined> {
    const stream = this.#open();
    const x = clamp16(state.x);
    const y = clamp16(state.y);
    const image = state.image;
    if (!image) {
      const move = Uint8Array.of(...plainHeader(MessageKind.cursor), x & 255, (x >> 8) & 255, y & 255, (y >> 8) & 255);
      // Queued behind the stream so it cannot overtake an earlier shape.
      return stream.tail.then(() => move);
    }
    const { width, height, hotX, hotY, rgba } = image;
    if (width < 1 || height < 1 || width > MAX_CURSOR_SIDE || height > MAX_CURSOR_SIDE || rgba.length !== width * height * 4) {
      throw new RangeError(`cursor image ${width}×${height} with ${rgba.length} bytes is not supported`);
    }
    const w = this.#writer;
    w.u8(MessageKind.cursor);
    w.u16(x & 0xffff);
    w.u16(y & 0xffff);
    w.u16(width);
    w.u16(height);
    w.u16(Math.min(Math.max(hotX, 0), width - 1));
    w.u16(Math.min(Math.max(hotY, 0), height - 1));
    w.append(rgba);
    return this.#compress(stream, w.take(), this.#level);
  }

  dispose(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }

  #open(): Stream {
    if (!this.#stream) throw new Error('ScreenEncoder: call reset() before encoding');
    return this.#stream;
  }

  async #compress(stream: Stream, payload: Uint8Array, level: number): Promise<Uint8Array | undefined> {
    const data = await stream.compress(payload, level);
    if (!data) return undefined;
    const body = data.length - SYNC_FLUSH_TAIL.length;
    if (!SYNC_FLUSH_TAIL.every((byte, i) => data[body + i] === byte)) throw new Error('deflate did not end with a sync flush');
    const out = new ByteWriter();
    out.varint(payload.length);
    out.append(data.subarray(0, body));
    return out.take();
  }

  /** Checks every update of a batch before any is written, so a bad one leaves the stream untouched. */
  #check({ x, y, width, height, stride, data }: ScreenUpdate): void {
    if (width <= 0 || height <= 0) return;
    const { width: screenWidth, height: screenHeight } = this.#geometry;
    if (![x, y, width, height, stride].every(Number.isInteger) || x < 0 || y < 0 || x + width > screenWidth || y + height > screenHeight) {
      throw new RangeError(`update ${width}×${height} at ${x},${y} lies outside the ${screenWidth}×${screenHeight} screen`);
    }
    if (stride < width * 4 || data.length < stride * (height - 1) + width * 4) {
      throw new RangeError(`update ${width}×${height} has too few bytes for stride ${stride}`);
    }
  }

  #rect(update: ScreenUpdate): void {
    const { x, y, width, height, stride, data } = update;
    if (width <= 0 || height <= 0) return;
    const aligned = data.byteOffset % 4 === 0 && stride % 4 === 0 ? data : copyAligned(update);
    const rowPixels = aligned === data ? stride / 4 : width;
    const pixels = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >> 2);
    const size = this.#tileSize;
    for (let ty = 0; ty < height; ty += size) {
      for (let tx = 0; tx < width; tx += size) {
        const tile: TileSource = {
          pixels,
          bytes: aligned,
          start: ty * rowPixels + tx,
          stride: rowPixels,
          width: Math.min(size, width - tx),
          height: Math.min(size, height - ty),
        };
        const w = this.#writer;
        w.zigzag(x + tx - this.#x);
        w.zigzag(y + ty - this.#y);
        w.varint(tile.width);
        w.varint(tile.height);
        this.#x = x + tx;
        this.#y = y + ty;
        this.#tiles.write(w, tile);
      }
    }
  }
}

function clamp16(value: number): number {
  return Math.min(Math.max(Math.round(value), -32768), 32767);
}

function copyAligned({ width, height, stride, data }: ScreenUpdate): Uint8Array {
  const copy = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) copy.set(data.subarray(y * stride, y * stride + width * 4), y * width * 4);
  return copy;
}
