import assert from 'node:assert/strict';
import type { ScreenUpdate } from '../../common/api.js';
import { Motion, sortChanges, TILE } from './detail.js';

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
const still = () => new Motion({ width: W, height: H });

describe('screen video: sorting a change into photo-like and plain areas', () => {
  it('sends photo-like tiles as video and text around them exactly, joining neighbours in a row', () => {
    const { busy, plain } = sortChanges([desktop()], still(), true);
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
    const { busy, plain } = sortChanges([part], still(), true);
    assert.deepEqual(busy.map(rect), [{ x: TILE, y: 10, width: TILE, height: TILE - 10 }]);
    assert.deepEqual(plain.map(rect), [
      { x: 100, y: 10, width: TILE - 100, height: TILE - 10 },
      { x: 2 * TILE, y: 10, width: 300 - 2 * TILE, height: TILE - 10 },
      { x: 100, y: TILE, width: 200, height: 160 - TILE },
    ]);
    const first = busy[0];
    assert.equal(first.data[0], screen.data[10 * screen.stride + TILE * 4], 'the piece starts at its own first pixel');
  });

  it('sends a plain tile as video once it keeps changing while the link is full, and counts the rectangles of one change once', () => {
    const motion = still();
    const text = desktop();
    // The same change as two rectangles: each tile counts one change.
    const busyArea = (at: number, linkFull = true) => sortChanges([text, text], motion, linkFull, at).busy.reduce((sum, r) => sum + r.width * r.height, 0);
    assert.equal(busyArea(0), 2 * TILE * TILE, 'the photo only');
    assert.equal(busyArea(200), 2 * TILE * TILE, 'changed twice: the photo only');
    assert.equal(busyArea(400), 2 * W * H, 'changed three times in a row: all of it is moving');
    assert.equal(busyArea(600, false), 2 * W * H, 'moving on: video until it stops, though the link has room again');
    assert.equal(busyArea(1000), 2 * TILE * TILE, 'after a pause it is plain again');
    for (const at of [1100, 1200]) busyArea(at, false);
    assert.equal(busyArea(1300, false), 2 * TILE * TILE, 'moving, but its exact pixels keep up with the link');
    assert.equal(busyArea(1400), 2 * W * H, 'the link is full: video');
  });
});
