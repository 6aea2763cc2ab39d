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

export type HelperMessage = { readonly type: 'refresh' } | ({ readonly type: 'caps' } & Caps) | { readonly type: 'sync'; readonly n: number };

export function encodeCaps({ mode, codecs }: Caps): Uint8Array {
  return Uint8Array.of(
    ...plainHeader(MessageKind.caps),
    PictureModes.indexOf(mode),
    codecs.reduce((bits, c) => bits | (1 << (c - 1)), 0),
  );
}

export function encodeHelperSync(n: number): Uint8Array {
  const w = new ByteWriter();
  w.append(Uint8Array.from(plainHeader(MessageKind.sync)));
  w.u32(n);
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

export function encodeVideo({ codec, key, rects, data }: VideoFrame): Uint8Array {
  if (rects.length > MAX_VIDEO_RECTS) throw new RangeError(`a video frame paints at most ${MAX_VIDEO_RECTS} areas, not ${rects.length}`);
  const w = new ByteWriter();
  w.ensure(6 + rects.length * 8 + data.length);
  w.append(Uint8Array.from(plainHeader(MessageKind.video)));
  w.u8(codec);
  w.u8(key ? 1 : 0);
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
  } else if (kind === MessageKind.sync) decoded = { type: 'sync', n: reader.u32() };
  else throw new ScreenFrameError(`a helper does not send screen message kind ${kind}`);
  if (reader.remaining !== 0) throw new ScreenFrameError(`the helper's ${decoded.type} message is too long`);
  return decoded;
}

/** Reads a video message's body after its kind byte; its rects are checked against the screen. */
export function readVideo(reader: ByteReader, screen: { width: number; height: number }): VideoFrame {
  const codec = reader.u8();
  if (codec !== VideoCodec.vp9) throw new ScreenFrameError(`unknown video codec ${codec}`);
  const key = (reader.u8() & 1) === 1;
  const count = reader.u16();
  if (count > MAX_VIDEO_RECTS) throw new ScreenFrameError(`a video frame names ${count} areas, more than ${MAX_VIDEO_RECTS}`);
  const rects: ScreenRect[] = [];
  for (let i = 0; i < count; i++) {
    const [x, y, width, height] = [reader.u16(), reader.u16(), reader.u16(), reader.u16()];
    if (width < 1 || height < 1 || x + width > screen.width || y + height > screen.height) {
      throw new ScreenFrameError(`video area ${width}×${height} at ${x},${y} is outside the ${screen.width}×${screen.height} screen`);
    }
    rects.push({ x, y, width, height });
  }
  if (reader.remaining === 0) throw new ScreenFrameError('a video message carries no frame');
  return { codec, key, rects, data: reader.bytes.subarray(reader.offset) };
}

export function readSync(reader: ByteReader): SyncMark {
  const mark = { n: reader.u32(), rttMs: reader.u16(), bytesPerSecond: reader.u32(), codec: reader.u8(), quality: reader.u8() };
  if (reader.remaining !== 0) throw new ScreenFrameError('sync message is too long');
  return mark;
}
