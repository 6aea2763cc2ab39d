/**
 * The screen channel's plain messages beyond a lossless picture (layout in frame.ts): the helper's
 * capabilities and picture mode, video frames, and the sync marks the novice paces itself by.
 */
import type { ScreenRect } from './api.js';
import { ByteReader, ByteWriter, MessageKind, plainHeader, readPlainKind, ScreenFrameError } from './frame.js';

/** What the helper picked: Automatic (video for big changes, exact once still), Best picture (lossless only), Least data. */
export const PictureModes = ['automatic', 'best', 'least'] as const;
export type PictureMode = (typeof PictureModes)[number];

/** Video codecs on the wire; one bit each in `caps`. */
export const VideoCodec = { vp9: 1 } as const;
export type VideoCodec = (typeof VideoCodec)[keyof typeof VideoCodec];
/** WebCodecs' name for what the novice encodes: VP9 profile 1, 8 bits, 4:4:4 (text keeps its colour edges). */
export const VP9_444 = 'vp09.01.40.08.03';
/** The most areas one video frame paints; more are sent as their bounding box. */
export const MAX_VIDEO_RECTS = 256;

export interface Caps {
  readonly mode: PictureMode;
  readonly codecs: readonly VideoCodec[];
}

export interface VideoFrame {
  readonly codec: VideoCodec;
  readonly key: boolean;
  /** Where the frame's top left corner is on the screen: the novice encodes only the part of the screen that changes. */
  readonly x: number;
  readonly y: number;
  /** Screen areas to paint from the frame; they lie within it. */
  readonly rects: readonly ScreenRect[];
  readonly data: Uint8Array;
}

/** How many quality steps the novice's video has (its encoder's ladder): the statistics say which one is in use. */
export const VIDEO_QUALITY_STEPS = 5;

/** What the novice says with each mark: its view of the link, shown in the helper's statistics. */
export interface SyncMark {
  readonly n: number;
  readonly rttMs: number;
  readonly bytesPerSecond: number;
  /** The codec of the last big change: 0 when everything went lossless. */
  readonly codec: number;
  /** The video's quality step, 1 the sharpest (it coarsens while the link is congested); 0 without video. */
  readonly quality: number;
}

export type HelperMessage =
  { readonly type: 'refresh' } | ({ readonly type: 'caps' } & Caps) | { readonly type: 'sync'; readonly n: number; readonly heldMs: number };

export function encodeCaps({ mode, codecs }: Caps): Uint8Array {
  return Uint8Array.of(
    ...plainHeader(MessageKind.caps),
    PictureModes.indexOf(mode),
    codecs.reduce((bits, c) => bits | (1 << (c - 1)), 0),
  );
}

/** The helper applied everything up to mark `n`, which it held `heldMs` after it came (decoding and painting what was before it). */
export function encodeHelperSync(n: number, heldMs = 0): Uint8Array {
  const w = new ByteWriter();
  w.append(Uint8Array.from(plainHeader(MessageKind.sync)));
  w.u32(n);
  w.u16(Math.min(Math.max(0, Math.round(heldMs)), 0xffff));
  return w.take();
}

export function encodeSync({ n, rttMs, bytesPerSecond, codec, quality }: SyncMark): Uint8Array {
  const w = new ByteWriter();
  w.append(Uint8Array.from(plainHeader(MessageKind.sync)));
  w.u32(n);
  w.u16(Math.min(Math.round(rttMs), 0xffff));
  w.u32(Math.min(Math.round(bytesPerSecond), 0xffffffff));
  w.u8(codec);
  w.u8(quality);
  return w.take();
}

export function encodeVideo({ codec, key, x, y, rects, data }: VideoFrame): Uint8Array {
  if (rects.length > MAX_VIDEO_RECTS) throw new RangeError(`a video frame paints at most ${MAX_VIDEO_RECTS} areas, not ${rects.length}`);
  const w = new ByteWriter();
  w.ensure(10 + rects.length * 8 + data.length);
  w.append(Uint8Array.from(plainHeader(MessageKind.video)));
  w.u8(codec);
  w.u8(key ? 1 : 0);
  w.u16(x);
  w.u16(y);
  w.u16(rects.length);
  for (const r of rects) [r.x, r.y, r.width, r.height].forEach((v) => w.u16(v));
  w.append(data);
  return w.take();
}

/** Checks a helper → novice message. */
export function decodeHelperMessage(message: Uint8Array): HelperMessage {
  const reader = new ByteReader(message, 'helper message');
  if (reader.varint() !== 0) throw new ScreenFrameError('expected a plain message from the helper');
  const kind = readPlainKind(reader);
  let decoded: HelperMessage;
  if (kind === MessageKind.refresh) decoded = { type: 'refresh' };
  else if (kind === MessageKind.caps) {
    const mode = PictureModes[reader.u8()];
    if (!mode) throw new ScreenFrameError('the helper asked for an unknown picture mode');
    const bits = reader.u8();
    decoded = { type: 'caps', mode, codecs: Object.values(VideoCodec).filter((c) => bits & (1 << (c - 1))) };
  } else if (kind === MessageKind.sync) decoded = { type: 'sync', n: reader.u32(), heldMs: reader.u16() };
  else throw new ScreenFrameError(`a helper does not send screen message kind ${kind}`);
  if (reader.remaining !== 0) throw new ScreenFrameError(`the helper's ${decoded.type} message is too long`);
  return decoded;
}

/** Reads a video message's body after its kind byte; its rects are checked against the screen. */
export function readVideo(reader: ByteReader, screen: { width: number; height: number }): VideoFrame {
  const codec = reader.u8();
  if (codec !== VideoCodec.vp9) throw new ScreenFrameError(`unknown video codec ${codec}`);
  const key = (reader.u8() & 1) === 1;
  const [x, y] = [reader.u16(), reader.u16()];
  if (x >= screen.width || y >= screen.height) throw new ScreenFrameError(`a video frame at ${x},${y} is outside the ${screen.width}×${screen.height} screen`);
  const count = reader.u16();
  if (count > MAX_VIDEO_RECTS) throw new ScreenFrameError(`a video frame names ${count} areas, more than ${MAX_VIDEO_RECTS}`);
  const rects: ScreenRect[] = [];
  for (let i = 0; i < count; i++) {
    const r = { x: reader.u16(), y: reader.u16(), width: reader.u16(), height: reader.u16() };
    if (r.width < 1 || r.height < 1 || r.x + r.width > screen.width || r.y + r.height > screen.height) {
      throw new ScreenFrameError(`video area ${r.width}×${r.height} at ${r.x},${r.y} is outside the ${screen.width}×${screen.height} screen`);
    }
    if (r.x < x || r.y < y) throw new ScreenFrameError(`video area at ${r.x},${r.y} starts before its frame at ${x},${y}`);
    rects.push(r);
  }
  if (reader.remaining === 0) throw new ScreenFrameError('a video message carries no frame');
  return { codec, key, x, y, rects, data: reader.bytes.subarray(reader.offset) };
}

export function readSync(reader: ByteReader): SyncMark {
  const mark = { n: reader.u32(), rttMs: reader.u16(), bytesPerSecond: reader.u32(), codec: reader.u8(), quality: reader.u8() };
  if (reader.remaining !== 0) throw new ScreenFrameError('sync message is too long');
  return mark;
}
