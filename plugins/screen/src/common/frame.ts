/**
 * Wire format of the `screen` channel, version 1: one channel message is one of these. Integers are
 * little-endian; `varint` is unsigned LEB128, `zigzag` a signed varint.
 *
 * Every message starts with a varint n.
 * n = 0: a plain message; u8 (version << 4 | kind) follows, then by kind:
 *   reset   (0)  novice → helper: u16 width, u16 height. Starts a new picture and a new deflate stream;
 *                the whole screen follows in updates.
 *   cursor  (2)  novice → helper: i16 x, i16 y. The pointer moved; its shape did not change.
 *   refresh (3)  helper → novice: nothing more. Asks for a reset and the whole screen.
 *   caps    (4)  helper → novice: u8 picture mode (0 automatic, 1 best picture, 2 least data), u8 codecs the
 *                helper's browser decodes (bit 0: VP9 profile 1, 4:4:4). Until one comes the novice sends lossless
 *                only, and none of the kinds below.
 *   video   (5)  novice → helper: u8 codec (1 VP9), u8 flags (bit 0: key frame), u16 count, count × u16 x, y, w, h:
 *                the areas this frame paints (the rest of the picture stays as it is), then the encoded frame.
 *                Lossy: an `update` brings the exact pixels once the area is still (see messages.ts).
 *   sync    (6)  novice → helper: u32 n, u16 round trip ms, u32 link bytes/s, u8 codec in use (0 lossless);
 *                helper → novice: u32 n, u16 ms the page held it after it came, once everything before it was
 *                applied. The novice's flow control.
 * n > 0: a compressed message, novice → helper: the next segment of the stream's raw deflate data, ended
 *   by a sync flush whose final 00 00 FF FF is left off (as in RFC 7692). It inflates to exactly n bytes,
 *   u8 kind first:
 *   update  (1)  rects until the end, each:
 *                  zigzag dx, dy   offset from the previous rect's x, y in this stream (0, 0 after a reset)
 *                  varint w, h     both ≥ 1, inside the screen
 *                  u8 mode         0 raw: w*h × B,G,R row by row, each byte minus the one above (row 0 as is)
 *                                  1 palette: u8 count-1, count × B,G,R, then the pixels' indices in strips
 *                                    8 pixels wide, left to right, each strip row by row; 1/2/4/8 bits each
 *                                    for ≤2/≤4/≤16/≤256 colours, MSB first, every strip row padded to a byte;
 *                                    none for a single colour (a solid rect)
 *   cursor  (2)  i16 x, i16 y, u16 width, u16 height, u16 hotX, u16 hotY, width*height × R,G,B,A:
 *                the pointer with a new shape.
 * Compressed messages share their reset's stream and version. Their kind and rect offsets sit inside the
 * deflate data, so a line of typing repeats one header, and 8-pixel strips keep a text cell's rows together:
 * both then cost a back-reference.
 */
export const SCREEN_FORMAT_VERSION = 1;

/** Sent as JSON text `{ type, reason }` when the novice has no screen to show; the helper's page says why. */
export const NO_SCREEN = 'no-screen';

export const MessageKind = { reset: 0, update: 1, cursor: 2, refresh: 3, caps: 4, video: 5, sync: 6 } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

export const RectMode = { raw: 0, palette: 1 } as const;

/** What a sync flush ends with; the sender leaves it off and the receiver puts it back. */
export const SYNC_FLUSH_TAIL: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** Limits a peer cannot push us past: screen side, screen area, inflated size of one message. */
export const MAX_SIDE = 16384;
export const MAX_AREA = 8192 * 8192;
export const MAX_PAYLOAD = 1 << 28;
/**
 * Pixels one update may paint: a screen many times over (changes held on a slow link overlap, up to 16 MiB of them),
 * but not without bound, or a few bytes per full-screen rect could keep a decoder busy for good.
 */
export const maxUpdatePixels = (width: number, height: number): number => 16 * width * height + (1 << 22);
/** The largest screen message on the wire, the channel's frame limit: a 4K frame of noise, deflated, fits. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
export const MAX_CURSOR_SIDE = 256;

/** A message of the `screen` channel that cannot be decoded; the receiver should ask for a refresh. */
export class ScreenFrameError extends Error {
  override readonly name = 'ScreenFrameError';
}

/** The first two bytes of a plain message. */
export function plainHeader(kind: MessageKind): [number, number] {
  return [0, (SCREEN_FORMAT_VERSION << 4) | kind];
}

/** Reads a plain message's kind byte, after its leading 0, and checks the version. */
export function readPlainKind(reader: ByteReader): MessageKind {
  const byte = reader.u8();
  const version = byte >> 4;
  if (version !== SCREEN_FORMAT_VERSION) {
    throw new ScreenFrameError(`screen message has format version ${version}, expected ${SCREEN_FORMAT_VERSION}`);
  }
  const kind = byte & 15;
  if (kind > MessageKind.sync) throw new ScreenFrameError(`unknown screen message kind ${kind}`);
  return kind as MessageKind;
}

export function encodeReset(width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_AREA) {
    throw new RangeError(`screen size ${width}×${height} is not supported`);
  }
  return Uint8Array.of(...plainHeader(MessageKind.reset), width & 255, width >> 8, height & 255, height >> 8);
}

export function encodeRefresh(): Uint8Array {
  return Uint8Array.of(...plainHeader(MessageKind.refresh));
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

  u32(value: number): void {
    this.u16(value & 0xffff);
    this.u16(value >>> 16);
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

  u32(): number {
    return this.u16() + this.u16() * 0x10000;
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
