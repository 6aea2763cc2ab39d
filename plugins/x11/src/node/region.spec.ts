import assert from 'node:assert/strict';
import { clip, mergeNearby } from './region.js';

describe('region', () => {
  it('clips a rectangle to the screen, and drops one off it', () => {
    const screen = { width: 100, height: 50 };
    assert.deepEqual(clip({ x: -10, y: 40, width: 30, height: 30 }, screen), { x: 0, y: 40, width: 20, height: 10 });
    assert.equal(clip({ x: 100, y: 0, width: 5, height: 5 }, screen), undefined);
  });

  it('merges the characters of a typed word into one rectangle, and keeps far ones apart', () => {
    const glyphs = [0, 1, 2, 3].map((i) => ({ x: 40 + i * 6, y: 100, width: 6, height: 13 }));
    const far = { x: 900, y: 700, width: 10, height: 10 };
    assert.deepEqual(mergeNearby([...glyphs, far], 16, 32), [{ x: 40, y: 100, width: 24, height: 13 }, far]);
  });

  it('merges chains that only meet through a union', () => {
    // The bottom-right square touches neither the left bar nor the top-right square, only their union.
    const rects = [
      { x: 0, y: 0, width: 10, height: 40 },
      { x: 20, y: 30, width: 10, height: 10 },
      { x: 10, y: 0, width: 20, height: 10 },
    ];
    assert.deepEqual(mergeNearby(rects, 0, 32), [{ x: 0, y: 0, width: 30, height: 40 }]);
  });

  it('falls back to the bounding box beyond the limit of separate grabs', () => {
    const dots = Array.from({ length: 5 }, (_, i) => ({ x: i * 100, y: i * 50, width: 2, height: 2 }));
    assert.deepEqual(mergeNearby(dots, 16, 4), [{ x: 0, y: 0, width: 402, height: 202 }]);
  });
});
