import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { Canvas } from './testing/codec-fixtures.js';
import { encodePng } from './png.js';

describe('encodePng', () => {
  it('writes the picture as an RGB PNG that reads back the same', () => {
    const canvas = new Canvas(37, 21);
    canvas.fill(0, 0, 37, 21, [10, 20, 30]);
    canvas.fill(5, 3, 11, 7, [250, 128, 1]);
    const rgba = canvas.rgba();
    const png = PNG.sync.read(encodePng({ width: 37, height: 21, rgba }));
    assert.equal(png.width, 37);
    assert.equal(png.height, 21);
    assert.ok(png.data.equals(Buffer.from(rgba)));
  });

  it('refuses a picture whose pixels do not match its size', () => {
    assert.throws(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(12) }), /2×2 has 12 bytes/);
  });
});
