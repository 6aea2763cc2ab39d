import assert from 'node:assert/strict';
import { until } from '@ra/kernel/testing';
import { LanePool } from './lane-pool.js';
import type { VideoLane } from './video-lane.js';

const small = { width: 320, height: 240 };

describe('screen lane pool: a primed encoder ready before anyone waits', function () {
  this.timeout(20_000);

  it('hands out the warmed spare at once, refills it while a stream runs, and stops it when none does', async () => {
    const pool = new LanePool();
    const lanes: VideoLane[] = [];
    try {
      pool.warm(small, 38);
      const lease = pool.lease();
      await new Promise((r) => setTimeout(r, 1500));
      const started = performance.now();
      const first = await pool.take(small, 38);
      lanes.push(first.lane);
      assert.ok(performance.now() - started < 50, 'the spare was primed already');
      assert.ok(first.key.length > 0);
      // The refill: the next take (a refresh, which stops the encoder it replaces first) is instant too.
      await new Promise((r) => setTimeout(r, 1500));
      first.lane.dispose();
      const again = performance.now();
      const second = await pool.take(small, 38);
      lanes.push(second.lane);
      assert.ok(performance.now() - again < 50);
      assert.notEqual(second.lane, first.lane);
      await new Promise((r) => setTimeout(r, 1500));
      const spare = pool['spare'];
      assert.ok(spare, 'a spare waits while the stream runs');
      const { lane } = await spare.ready;
      lease.dispose();
      await until(() => !lane.alive, 2000, 'the spare outlived the last stream');
    } finally {
      for (const lane of lanes) lane.dispose();
      pool.dispose();
    }
  });

  it('starts a new encoder for another size or quality instead of the spare', async () => {
    const pool = new LanePool();
    pool.warm(small, 38);
    const other = await pool.take({ width: 160, height: 120 }, 38);
    try {
      assert.deepEqual(other.lane.geometry, { width: 160, height: 120 });
    } finally {
      other.lane.dispose();
      pool.dispose();
    }
  });

  it('refills the spare at the quality a new picture starts at, whatever the running encoder uses', async () => {
    const pool = new LanePool();
    const lease = pool.lease();
    const running = await pool.take(small, 56, small, 38);
    try {
      await until(() => pool['spare'] !== undefined, 2000, 'no refill');
      const { lane } = await pool['spare']!.ready;
      assert.equal(lane.crf, 38);
      assert.equal(running.lane.crf, 56);
    } finally {
      running.lane.dispose();
      lease.dispose();
      pool.dispose();
    }
  });

  it('primes a spare at another quality beside a running encoder: the old spare gives up its place at once', async () => {
    const pool = new LanePool();
    const lease = pool.lease();
    const running = await pool.take(small, 38);
    try {
      await until(() => pool['spare'] !== undefined, 2000, 'no refill');
      // The running encoder and the refilled spare fill MAX_LANES: the primed one must replace the spare, not wait for it.
      const primed = await pool.prime(small, 44);
      assert.equal(primed.lane.crf, 44);
      const taken = await pool.take(small, 44);
      assert.equal(taken.lane, primed.lane, 'the primed encoder is the one taken');
      taken.lane.dispose();
    } finally {
      running.lane.dispose();
      lease.dispose();
      pool.dispose();
    }
  });
});
