import assert from 'node:assert/strict';
import { constants, deflateRawSync } from 'node:zlib';
import { ScreenDecoder } from '../common/decoder.js';
import { ByteWriter, encodeRefresh, encodeReset, ScreenFrameError } from '../common/frame.js';
import { decodeHelperMessage } from '../common/messages.js';
import { Canvas, INFLATERS } from './testing/codec-fixtures.js';
import { ScreenEncoder } from './encoder.js';

const WIDTH = 64;
const HEIGHT = 32;

/** A compressed message carrying `payload` as the first segment of a new stream; `declared` overrides its length. */
function compressed(payload: number[], declared = payload.length): Uint8Array {
  const data = deflateRawSync(Uint8Array.from(payload), { finishFlush: constants.Z_SYNC_FLUSH });
  const out = new ByteWriter();
  out.varint(declared);
  out.append(data.subarray(0, data.length - 4));
  return out.take();
}

/** An update payload with one rect at x, y (after a reset) of w×h, then `body` from the mode byte on. */
function update(x: number, y: number, w: number, h: number, body: number[]): number[] {
  const out = new ByteWriter();
  out.u8(1);
  out.zigzag(x);
  out.zigzag(y);
  out.varint(w);
  out.varint(h);
  return [...out.take(), ...body];
}

const RED = [0, 0, 255];
const PIXEL = update(0, 0, 1, 1, [1, 0, ...RED]);

/** Each case: what it is, the message, and what the error must say. */
const CASES: [string, Uint8Array, RegExp][] = [
  ['an empty message', new Uint8Array(0), /truncated/],
  ['a plain message of another version', Uint8Array.of(0, 0x20, 64, 0, 32, 0), /format version 2, expected 1/],
  ['an unknown plain kind', Uint8Array.of(0, 0x1f), /unknown screen message kind 15/],
  ['a refresh from the novice', encodeRefresh(), /refresh message cannot come from the novice/],
  ['a plain update', Uint8Array.of(0, 0x11), /plain update message cannot come from the novice/],
  ['capabilities from the novice', Uint8Array.of(0, 0x14, 0, 1), /caps message cannot come from the novice/],
  ['a video frame outside the screen', Uint8Array.of(0, 0x15, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 64, 0, 64, 0, 9), /video area 64×64 at 0,0 is outside/],
  ['a truncated reset', Uint8Array.of(0, 0x10, 64), /truncated/],
  ['a reset with extra bytes', Uint8Array.of(...encodeReset(WIDTH, HEIGHT), 0), /reset message is too long/],
  ['a reset to an empty screen', Uint8Array.of(0, 0x10, 0, 0, 32, 0), /unsupported screen size 0×32/],
  ['a reset to a huge screen', Uint8Array.of(0, 0x10, 0xff, 0x3f, 0xff, 0x3f), /unsupported screen size 16383×16383/],
  ['an overlong varint', Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), /overlong varint/],
  ['a length over the limit', Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x0f), /more than the limit/],
  ['deflate data that does not inflate', Uint8Array.of(10, 0xff, 0xff, 0xff, 0xff), /cannot inflate/],
  [
    'a declared length too long',
    compressed(PIXEL, PIXEL.length + 1),
    new RegExp(`cannot inflate.*inflated ${PIXEL.length} bytes, expected ${PIXEL.length + 1}`),
  ],
  ['a declared length too short', compressed(PIXEL, PIXEL.length - 1), new RegExp(`cannot inflate.*more than the expected ${PIXEL.length - 1}`)],
  ['truncated deflate data', compressed(update(0, 0, 8, 8, [0, ...Array.from({ length: 192 }, (_, i) => (i * 73) & 255)])).subarray(0, 20), /cannot inflate/],
  ['an unknown compressed kind', compressed([9]), /unknown compressed message kind 9/],
  [
    'an update that paints the screen thousands of times over',
    compressed([...update(0, 0, WIDTH, HEIGHT, [1, 0, ...RED]), ...Array.from({ length: 2100 }, () => [0, 0, WIDTH, HEIGHT, 1, 0, ...RED]).flat()]),
    /an update paints more than 4227072 pixels/,
  ],
  ['a rect past the right edge', compressed(update(60, 0, 5, 1, [1, 0, ...RED])), /rect 5×1 at 60,0 is outside the 64×32 screen/],
  ['a rect past the bottom edge', compressed(update(0, 31, 1, 2, [1, 0, ...RED])), /rect 1×2 at 0,31 is outside/],
  ['a rect left of the screen', compressed(update(-1, 0, 1, 1, [1, 0, ...RED])), /rect 1×1 at -1,0 is outside/],
  ['a rect of width 0', compressed(update(0, 0, 0, 1, [1, 0, ...RED])), /rect 0×1 at 0,0 is outside/],
  ['an unknown rect mode', compressed(update(0, 0, 1, 1, [5])), /unknown rect mode 5/],
  ['a truncated palette', compressed(update(0, 0, 1, 1, [1, 1, ...RED])), /update.*truncated|compressed screen message is truncated/],
  ['truncated palette indices', compressed(update(0, 0, 8, 2, [1, 1, ...RED, ...RED, 0xff])), /truncated/],
  ['a palette index out of range', compressed(update(0, 0, 4, 1, [1, 2, ...RED, ...RED, ...RED, 0b00011011])), /palette index 3 is out of range for 3 colours/],
  ['truncated raw pixels', compressed(update(0, 0, 2, 2, [0, ...new Array(11).fill(1)])), /truncated/],
  ['a truncated rect header', compressed([1, 0, 0, 1]), /truncated/],
  ['a cursor shape too large', compressed([2, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0]), /cursor shape 512×1/],
  ['a cursor hotspot outside its shape', compressed([2, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 2, 3, 4]), /hotspot 1,0 is not valid/],
  ['a cursor shape missing pixels', compressed([2, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]), /wrong number of pixels/],
  ['a cursor move with extra bytes', Uint8Array.of(0, 0x12, 1, 0, 1, 0, 0), /cursor message is too long/],
];

for (const [name, inflater] of INFLATERS) {
  describe(`ScreenDecoder on malformed input (${name})`, () => {
    for (const [what, message, error] of CASES) {
      it(`rejects ${what}, skips until the next reset, then works again`, async () => {
        const decoder = new ScreenDecoder(inflater());
        await decoder.apply(encodeReset(WIDTH, HEIGHT));
        const failure = await decoder.apply(message).then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
        assert.ok(failure instanceof ScreenFrameError, String(failure));
        assert.match(failure.message, error);

        assert.equal(decoder.broken, true);
        assert.deepEqual(await decoder.apply(compressed(PIXEL)), { type: 'skipped' });

        const canvas = new Canvas(WIDTH, HEIGHT);
        canvas.fill(3, 4, 20, 10, [9, 200, 30]);
        const encoder = new ScreenEncoder();
        await decoder.apply(encoder.reset(canvas));
        const full = await encoder.encode([canvas.full()]);
        assert.ok(full);
        await decoder.apply(full);
        assert.equal(decoder.broken, false);
        assert.ok(Buffer.from(decoder.framebuffer.buffer).equals(canvas.rgba()));
        encoder.dispose();
      });
    }
  });
}

describe('ScreenDecoder before any reset', () => {
  it('rejects an update', async () => {
    const decoder = new ScreenDecoder(INFLATERS[0][1]());
    await assert.rejects(decoder.apply(compressed(PIXEL)), /screen message before any reset/);
    assert.equal(decoder.complete, false);
    assert.equal(decoder.geometry, undefined);
  });
});

describe('helper messages', () => {
  it('reads a refresh and rejects anything else', () => {
    assert.deepEqual(decodeHelperMessage(encodeRefresh()), { type: 'refresh' });
    assert.throws(() => decodeHelperMessage(encodeReset(2, 2)), ScreenFrameError);
    assert.throws(() => decodeHelperMessage(Uint8Array.of(0, 0x23)), /format version 2/);
    assert.throws(() => decodeHelperMessage(new Uint8Array(0)), ScreenFrameError);
  });
});
