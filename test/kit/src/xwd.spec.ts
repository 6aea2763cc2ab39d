import assert from 'node:assert/strict';
import { parseXwd } from './xwd.js';

/** An XWD file of 2×1 pixels, red then blue, at `bitsPerPixel` in `byteOrder` (0 LSB first, 1 MSB first). */
function file(bitsPerPixel: 24 | 32, byteOrder: 0 | 1): Buffer {
  const header = Buffer.alloc(100);
  const bytesPerLine = 8;
  const fields = [100, 7, 2, 24, 2, 1, 0, byteOrder, 32, 1, 32, bitsPerPixel, bytesPerLine, 4, 0xff0000, 0xff00, 0xff, 8, 0, 0];
  fields.forEach((v, i) => header.writeUInt32BE(v, i * 4));
  const pixels = Buffer.alloc(bytesPerLine);
  const bytes = bitsPerPixel / 8;
  [0xff0000, 0x0000ff].forEach((rgb, i) => (byteOrder === 0 ? pixels.writeUIntLE(rgb, i * bytes, 3) : pixels.writeUIntBE(rgb, i * bytes + bytes - 3, 3)));
  return Buffer.concat([header, pixels]);
}

describe('test kit: xwd screenshots', () => {
  for (const bits of [24, 32] as const) {
    for (const order of [0, 1] as const) {
      it(`reads ${bits}-bit pixels, ${order ? 'most' : 'least'} significant byte first`, () => {
        const shot = parseXwd(file(bits, order));
        assert.deepEqual([shot.rgb(0, 0), shot.rgb(1, 0)], [0xff0000, 0x0000ff]);
      });
    }
  }

  it('names a format it does not read', () => {
    const bitmap = file(32, 0);
    bitmap.writeUInt32BE(16, 11 * 4);
    assert.throws(() => parseXwd(bitmap), /16 bits per pixel; this parser reads version 7 ZPixmap at 24 or 32 bits/);
  });
});
