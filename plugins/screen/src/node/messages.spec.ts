import assert from 'node:assert/strict';
import { ByteReader, ScreenFrameError } from '../common/frame.js';
import { decodeHelperMessage, encodeCaps, encodeHelperSync, encodeSync, encodeVideo, readSync, readVideo, VideoCodec } from '../common/messages.js';

const screen = { width: 640, height: 480 };
const body = (message: Uint8Array) => new ByteReader(message.subarray(2), 'test');

describe('screen messages: caps, video and sync', () => {
  it('round-trips what the helper says', () => {
    assert.deepEqual(decodeHelperMessage(encodeCaps({ mode: 'least', codecs: [VideoCodec.vp9] })), { type: 'caps', mode: 'least', codecs: [VideoCodec.vp9] });
    assert.deepEqual(decodeHelperMessage(encodeCaps({ mode: 'best', codecs: [] })), { type: 'caps', mode: 'best', codecs: [] });
    assert.deepEqual(decodeHelperMessage(encodeHelperSync(4_000_000_000, 12.4)), { type: 'sync', n: 4_000_000_000, heldMs: 12 });
  });

  it('names what is wrong with a helper message', () => {
    assert.throws(() => decodeHelperMessage(Uint8Array.of(0, 0x14, 9, 1)), /unknown picture mode/);
    assert.throws(() => decodeHelperMessage(Uint8Array.of(0, 0x14, 0, 1, 0)), /caps message is too long/);
    assert.throws(() => decodeHelperMessage(Uint8Array.of(0, 0x15)), /does not send screen message kind 5/);
    assert.throws(() => decodeHelperMessage(Uint8Array.of(0, 0x16, 1)), ScreenFrameError);
  });

  it('round-trips a video frame and a sync mark', () => {
    const frame = { codec: VideoCodec.vp9, key: true, x: 16, y: 16, rects: [{ x: 16, y: 32, width: 64, height: 48 }], data: Uint8Array.of(1, 2, 3) };
    assert.deepEqual(readVideo(body(encodeVideo(frame)), screen), frame);
    const mark = { n: 7, rttMs: 42, bytesPerSecond: 1_250_000, codec: VideoCodec.vp9, quality: 2 };
    assert.deepEqual(readSync(body(encodeSync(mark))), mark);
  });

  it('refuses a video frame that paints outside the screen or its frame, names an unknown codec, or carries nothing', () => {
    const outside = encodeVideo({ codec: VideoCodec.vp9, key: false, x: 0, y: 0, rects: [{ x: 600, y: 0, width: 64, height: 16 }], data: Uint8Array.of(1) });
    assert.throws(() => readVideo(body(outside), screen), /video area 64×16 at 600,0 is outside the 640×480 screen/);
    const empty = encodeVideo({ codec: VideoCodec.vp9, key: false, x: 0, y: 0, rects: [], data: new Uint8Array(0) });
    assert.throws(() => readVideo(body(empty), screen), /carries no frame/);
    const unknown = encodeVideo({ codec: VideoCodec.vp9, key: false, x: 0, y: 0, rects: [], data: Uint8Array.of(1) });
    unknown[2] = 9;
    assert.throws(() => readVideo(body(unknown), screen), /unknown video codec 9/);
    const before = encodeVideo({ codec: VideoCodec.vp9, key: false, x: 32, y: 0, rects: [{ x: 16, y: 0, width: 16, height: 16 }], data: Uint8Array.of(1) });
    assert.throws(() => readVideo(body(before), screen), /video area at 16,0 starts before its frame at 32,0/);
    const away = encodeVideo({ codec: VideoCodec.vp9, key: false, x: 640, y: 0, rects: [], data: Uint8Array.of(1) });
    assert.throws(() => readVideo(body(away), screen), /a video frame at 640,0 is outside the 640×480 screen/);
  });
});
