import assert from 'node:assert/strict';
import type { ScreenUpdate } from '../../common/api.js';
import { sortByDetail, TILE } from './detail.js';

const W = 3 * TILE;
const H = 2 * TILE;

/** A screen of text on white, with a noisy photo in the middle tile of the top row. */
function desktop(): ScreenUpdate {
  const data = new Uint8Array(W * H * 4).fill(255);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      if (x >= TILE && x < 2 * TILE && y < TILE) data.set([Math.imul(x * 31 + y, 2654435761) >>> 24, (x * y) & 255, (x + 3 * y) & 255], i);
      // Glyph-like strokes: two dark pixels in every eight, on every other row.
      else if (y % 2 === 0 && x % 8 < 2) data.set([0, 0, 0], i);
    }
  }
  return { x: 0, y: 0, width: W, height: H, stride: W * 4, data };
}

const rect = ({ x, y, width, height }: ScreenUpdate) => ({ x, y, width, height });

describe('screen video: sorting a change into photo-like and plain areas', () => {
  it('sends photo-like tiles as video and text around them exactly, joining neighbours in a row', () => {
    const { busy, plain } = sortByDetail([desktop()]);
    assert.deepEqual(busy.map(rect), [{ x: TILE, y: 0, width: TILE, height: TILE }]);
    assert.deepEqual(plain.map(rect), [
      { x: 0, y: 0, width: TILE, height: TILE },
      { x: 2 * TILE, y: 0, width: TILE, height: TILE },
      { x: 0, y: TILE, width: W, height: TILE },
    ]);
  });

  it('cuts along the screen grid, reading the pixels in place', () => {
    const screen = desktop();
    const part: ScreenUpdate = { ...screen, x: 100, y: 10, width: 200, height: 150, data: screen.data.subarray(10 * screen.stride + 100 * 4) };
    const { busy, plain } = sortByDetail([part]);
    assert.deepEqual(busy.map(rect), [{ x: TILE, y: 10, width: TILE, height: TILE - 10 }]);
    assert.deepEqual(plain.map(rect), [
      { x: 100, y: 10, width: TILE - 100, height: TILE - 10 },
      { x: 2 * TILE, y: 10, width: 300 - 2 * TILE, height: TILE - 10 },
      { x: 100, y: TILE, width: 200, height: 160 - TILE },
    ]);
    const first = busy[0];
    assert.equal(first.data[0], screen.data[10 * screen.stride + TILE * 4], 'the piece starts at its own first pixel');
  });

  it('keeps changes smaller than a tile plain, however busy', () => {
    const noisy = Uint8Array.from({ length: 64 * 64 * 4 }, (_, i) => Math.imul(i, 2654435761) >>> 24);
    const { busy, plain } = sortByDetail([{ x: 0, y: 0, width: 64, height: 64, stride: 256, data: noisy }]);
    assert.equal(busy.length, 0);
    assert.equal(plain.length, 1);
  });
});
