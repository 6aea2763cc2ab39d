import assert from 'node:assert/strict';
import { ShadowScreen, type Grab } from './shadow.js';

const screen = { width: 8, height: 6 };

/** A grab of `width`×`height` pixels, every pixel `pixel(x, y)`; rows padded unless `tight` (as MIT-SHM's are). */
function grab(width: number, height: number, pixel: (x: number, y: number) => number, tight = false): Grab {
  const stride = width * 4 + (tight ? 0 : 8);
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.writeUInt32LE(pixel(x, y), y * stride + x * 4);
  return { data, stride };
}

describe('ShadowScreen', () => {
  it('returns the whole grab once, as a copy', () => {
    const shadow = new ShadowScreen(screen);
    const g = grab(8, 6, (x, y) => x + y * 8);
    const u = shadow.replace({ x: 0, y: 0, ...screen }, g);
    assert.deepEqual({ x: u.x, y: u.y, width: u.width, height: u.height, stride: u.stride }, { x: 0, y: 0, width: 8, height: 6, stride: 32 });
    g.data.fill(0xff);
    assert.equal(Buffer.from(u.data).readUInt32LE(4 * 9), 9, 'the update must not share the grab buffer');
  });

  it('skips a grab whose pixels are all as before', () => {
    const shadow = new ShadowScreen(screen);
    shadow.replace(
      { x: 0, y: 0, ...screen },
      grab(8, 6, () => 7),
    );
    assert.equal(
      shadow.changes(
        { x: 2, y: 1, width: 4, height: 3 },
        grab(4, 3, () => 7),
      ),
      undefined,
    );
  });

  it('crops a grab to the box of changed pixels, rows first, then columns', () => {
    const shadow = new ShadowScreen(screen);
    shadow.replace(
      { x: 0, y: 0, ...screen },
      grab(8, 6, () => 0),
    );
    // Grab 6×5 at (1,1); inside it, pixels (2,1) and (4,3) changed: screen (3,2) and (5,4).
    const changed = (x: number, y: number) => (x === 2 && y === 1) || (x === 4 && y === 3);
    const u = shadow.changes(
      { x: 1, y: 1, width: 6, height: 5 },
      grab(6, 5, (x, y) => (changed(x, y) ? 0xabcdef : 0)),
    )!;
    assert.deepEqual({ x: u.x, y: u.y, width: u.width, height: u.height, stride: u.stride }, { x: 3, y: 2, width: 3, height: 3, stride: 12 });
    const data = Buffer.from(u.data);
    assert.equal(data.readUInt32LE(0), 0xabcdef);
    assert.equal(data.readUInt32LE(2 * 12 + 2 * 4), 0xabcdef);
    assert.equal(data.readUInt32LE(4), 0);
    // Stored: the same grab again changes nothing.
    assert.equal(
      shadow.changes(
        { x: 1, y: 1, width: 6, height: 5 },
        grab(6, 5, (x, y) => (changed(x, y) ? 0xabcdef : 0)),
      ),
      undefined,
    );
  });

  it('takes whole rows in one block, and stores them where they are on the screen', () => {
    for (const rect of [
      { x: 2, y: 1, width: 4, height: 3 },
      { x: 0, y: 2, width: 8, height: 3 },
    ]) {
      const shadow = new ShadowScreen(screen);
      shadow.replace(
        { x: 0, y: 0, ...screen },
        grab(8, 6, () => 0, true),
      );
      // Rows 1 and 2 of the grab changed across its whole width: the update is them, without a copy per row.
      const pixel = (x: number, y: number) => (y === 1 || y === 2 ? 0x100 * y + x + 1 : 0);
      const u = shadow.changes(rect, grab(rect.width, rect.height, pixel, true))!;
      assert.deepEqual({ x: u.x, y: u.y, width: u.width, height: u.height }, { x: rect.x, y: rect.y + 1, width: rect.width, height: 2 });
      const data = Buffer.from(u.data);
      for (let y = 0; y < 2; y++) for (let x = 0; x < rect.width; x++) assert.equal(data.readUInt32LE((y * rect.width + x) * 4), pixel(x, y + 1));
      // Stored in place: the same pixels again change nothing, and the screen around them is as it was.
      assert.equal(shadow.changes(rect, grab(rect.width, rect.height, pixel, true)), undefined);
      assert.equal(
        shadow.changes(
          { x: 0, y: 0, ...screen },
          grab(8, 6, (x, y) => (x >= rect.x && x < rect.x + rect.width && y >= rect.y ? pixel(x - rect.x, y - rect.y) : 0), true),
        ),
        undefined,
      );
    }
  });
});
