import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { encodePng } from './png.js';

describe('encodePng', () => {
  it('writes the picture as a PNG that reads back the same', () => {
    const [width, height] = [37, 21];
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256));
    // A view into a larger buffer, as a picture cut from a frame may be.
    const view = new Uint8Array(rgba.length + 8);
    view.set(rgba, 4);
    const png = PNG.sync.read(encodePng({ width, height, rgba: view.subarray(4, 4 + rgba.length) }));
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.ok(png.data.equals(Buffer.from(rgba)));
  });

  it('refuses a picture whose pixels do not match its size', () => {
    assert.throws(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(12) }), /malformed: 12 bytes for 2x2 pixels/);
    assert.throws(() => encodePng({ width: 0, height: 0, rgba: new Uint8Array(0) }), /malformed: 0 bytes for 0x0 pixels/);
  });
});
