import assert from 'node:assert/strict';
import { withXvfb } from '@ra/test-kit';
import { XConnection } from './connection.js';
import { CoreGrabber, ShmGrabber } from './grabber.js';
import { Painter } from './testing/painter.js';

describe('x11 grabber: many rectangles in one round trip', function () {
  this.timeout(30_000);
  const xvfb = withXvfb({ width: 320, height: 200 });

  it('reads each rect through MIT-SHM as core GetImage does, also when they overflow the segment', async () => {
    const painter = await Painter.open(xvfb().display);
    const conn = await XConnection.open(xvfb().display, { timeoutMs: 2000, sharedMemory: true });
    try {
      await painter.root(0x336699);
      await painter.window({ x: 10, y: 10, width: 100, height: 60 }, 0xff8800);
      await painter.window({ x: 150, y: 90, width: 120, height: 80 }, 0x00cc44);
      const shm = await ShmGrabber.create(conn, { width: 320, height: 200 });
      const core = new CoreGrabber(conn);
      const rects = [
        { x: 0, y: 0, width: 320, height: 200 },
        { x: 140, y: 80, width: 150, height: 100 },
        { x: 5, y: 5, width: 20, height: 20 },
      ];
      // 320×200 + 150×100 + 20×20 pixels: more than one 320×200 segment, so a second turn is needed.
      const [fromShm, fromCore] = [await shm.grabAll(rects), await core.grabAll(rects)];
      rects.forEach((r, i) =>
        assert.ok(Buffer.from(fromShm[i].data.subarray(0, r.width * r.height * 4)).equals(fromCore[i].data.subarray(0, r.width * r.height * 4)), `rect ${i}`),
      );
      assert.equal(fromShm[2].data.readUInt32LE(0) & 0xffffff, 0x336699, 'the root colour at 5,5');
      assert.equal(fromShm[1].data.readUInt32LE((20 * 150 + 20) * 4) & 0xffffff, 0x00cc44, 'the green window at 160,100');
      await shm.dispose();
    } finally {
      await conn.close();
      await painter.close();
    }
  });
});
