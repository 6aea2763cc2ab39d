/**
 * Wire format of the `screen` channel, version 1. A message is one whole channel message. Its first
 * byte holds the format version (high nibble) and the message type (low nibble). Integers are
 * little-endian; `varint` is unsigned LEB128, `zigzag` a signed varint.
 *
 * novice → helper
 *   reset   (0)  u16 width, u16 height. Starts a new picture and a new deflate stream; a full frame follows.
 *   update  (1)  varint n, then the next segment of the stream's raw deflate data, ended by a sync flush
 *                whose final 00 00 FF FF is left off (as in RFC 7692). It inflates to exactly n bytes of rects:
 *                  zigzag dx, dy   offset from the previous rect's x, y in this stream (0, 0 after a reset)
 *                  varint w, h     both ≥ 1, inside the screen
 *                  u8 mode         0 raw: w*h × B,G,R
 *                                  1 palette: u8 count-1, count × B,G,R, then one index per pixel, MSB first,
 *                                    1/2/4/8 bits for ≤2/≤4/≤16/≤256 colours, each row padded to a byte;
 *                                    a single colour (a solid rect) has no indices
 *   cursor  (2)  i16 x, i16 y; then, only when the shape changed, varint n and deflate data as in `update`,
 *                inflating to u16 width, u16 height, u16 hotX, u16 hotY, width*height × R,G,B,A.
 * helper → novice
 *   refresh (3)  nothing more: asks for a reset and a full frame.
 */
export const SCREEN_FORMAT_VERSION = 1;

export const MessageType = { reset: 0, update: 1, cursor: 2, refresh: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const RectMode = { raw: 0, palette: 1 } as const;

/** What a sync flush ends with; the sender leaves it off and the receiver puts it back. */
export const SYNC_FLUSH_TAIL: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** Limits a peer cannot push us past: screen side, screen area, inflated size of one message. */
export const MAX_SIDE = 16384;
export const MAX_AREA = 8192 * 8192;
export const MAX_PAYLOAD = 1 << 28;
export const MAX_CURSOR_SIDE = 256;

/** A message of the `screen` channel that cannot be decoded; the receiver should ask for a refresh. */
export class ScreenFrameError extends Error {
  override readonly name = 'ScreenFrameError';
}

export interface ScreenRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function messageHeader(type: MessageType): number {
  return (SCREEN_FORMAT_VERSION << 4) | type;
}

/** The type of a message, after checking its version. */
export function messageType(message: Uint8Array): MessageType {
  if (message.length === 0) throw new ScreenFrameError('empty screen message');
  const version = message[0] >> 4;
  if (version !== SCREEN_FORMAT_VERSION) {
    throw new ScreenFrameError(`screen message has format version ${version}, expected ${SCREEN_FORMAT_VERSION}`);
  }
  const type = message[0] & 15;
  if (type > MessageType.refresh) throw new ScreenFrameError(`unknown screen message type ${type}`);
  return type as MessageType;
}

export function encodeReset(width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_AREA) {
    throw new RangeError(`screen size ${width}×${height} is not supported`);
  }
  return Uint8Array.of(messageHeader(MessageType.reset), width & 255, width >> 8, height & 255, height >> 8);
}

export function encodeRefresh(): Uint8Array {
  return Uint8Array.of(messageHeader(MessageType.refresh));
}

/** Checks a helper → novice message; today the only one is `refresh`. */
export function decodeHelperMessage(message: Uint8Array): { readonly type: 'refresh' } {
  if (messageType(message) !== MessageType.refresh || message.length !== 1) {
    throw new ScreenFrameError('expected a refresh message from the helper');
  }
  return { type: 'refresh' };
}

/** A growable byte buffer. */
export class ByteWriter {
  bytes = new Uint8Array(1024);
  length = 0;

  ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.bytes[this.length++] = value & 255;
    this.bytes[this.length++] = (value >> 8) & 255;
  }

  varint(value: number): void {
    this.ensure(5);
    while (value > 127) {
      this.bytes[this.length++] = (value & 127) | 128;
      value >>>= 7;
    }
    this.bytes[this.length++] = value;
  }

  zigzag(value: number): void {
    this.varint(value < 0 ? -2 * value - 1 : 2 * value);
  }

  append(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** Takes the written bytes and starts over. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** Reads a message or payload; running past its end is a ScreenFrameError naming `what`. */
export class ByteReader {
  offset = 0;

  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  need(count: number): number {
    if (count > this.remaining) throw new ScreenFrameError(`${this.what} is truncated`);
    const at = this.offset;
    this.offset += count;
    return at;
  }

  u8(): number {
    return this.bytes[this.need(1)];
  }

  u16(): number {
    const at = this.need(2);
    return this.bytes[at] | (this.bytes[at + 1] << 8);
  }

  i16(): number {
    return (this.u16() << 16) >> 16;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8();
      value += (byte & 127) * 2 ** shift;
      if (byte < 128) return value;
    }
    throw new ScreenFrameError(`${this.what} has an overlong varint`);
  }

  zigzag(): number {
    const value = this.varint();
    return value % 2 === 1 ? -(value + 1) / 2 : value / 2;
  }
}
