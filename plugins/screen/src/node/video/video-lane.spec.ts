import assert from 'node:assert/strict';
import { MAX_LANES, VideoLane } from './video-lane.js';

const geometry = { width: 320, height: 240 };

describe('screen video lane: VP9 4:4:4 through a real ffmpeg child process', function () {
  this.timeout(20_000);

  before(async function () {
    const why = await VideoLane.unavailable();
    // The test installer puts ffmpeg in (install-system.sh); without it this says why rather than passing silently.
    if (why) throw new Error(`the video lane needs ffmpeg: ${why}`);
  });

  it('starts with a key frame, then encodes each frame as it comes, small where little changed', async () => {
    const { lane, key } = await VideoLane.start(geometry, 38);
    try {
      assert.ok(key.length > 0);
      assert.equal(key[0] & 0xc0, 0x80, 'a VP9 frame marker');
      const frame = Buffer.alloc(geometry.width * geometry.height * 4);
      for (let i = 0; i < frame.length; i++) frame[i] = Math.imul(i, 2654435761) >>> 24;
      const first = await lane.encode(frame);
      frame.fill(255, 0, 64 * 4);
      const small = await lane.encode(frame);
      assert.ok(small.length < first.length / 4, `a small change costs ${small.length} bytes after ${first.length}`);
      await assert.rejects(lane.encode(Buffer.alloc(10)), /a 320×240 frame has 307200 bytes, not 10/);
    } finally {
      lane.dispose();
    }
  });

  it('refuses a second frame while one is encoding, and says why once stopped', async () => {
    const { lane } = await VideoLane.start(geometry, 38);
    const frame = Buffer.alloc(geometry.width * geometry.height * 4);
    const first = lane.encode(frame);
    await assert.rejects(lane.encode(frame), /busy/);
    await first;
    lane.dispose();
    assert.equal(lane.alive, false);
    await assert.rejects(lane.encode(frame), /the video encoder was stopped/);
  });

  it('runs at most MAX_LANES encoders at once, and says why a further one does not start', async () => {
    const lanes = await Promise.all(Array.from({ length: MAX_LANES }, () => VideoLane.start(geometry, 38)));
    try {
      await assert.rejects(VideoLane.start(geometry, 38), new RegExp(`${MAX_LANES} video encoders already run on this computer`));
    } finally {
      for (const { lane } of lanes) lane.dispose();
    }
    (await VideoLane.start(geometry, 38)).lane.dispose();
  });
});
