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
      assert.ok(first.frames[0].length > 0, 'the key frame came with it');
      // The refill, a second later: the next take (a refresh, which stops the encoder it replaces first) is instant too.
      await new Promise((r) => setTimeout(r, 2500));
      first.lane.dispose();
      const again = performance.now();
      const second = await pool.take(small, 38);
      lanes.push(second.lane);
      assert.ok(performance.now() - again < 50);
      assert.notEqual(second.lane, first.lane);
      await new Promise((r) => setTimeout(r, 2500));
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
      await until(() => pool['spare'] !== undefined, 4000, 'no refill');
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
      await until(() => pool['spare'] !== undefined, 4000, 'no refill');
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

  it('never hands out a spare whose encoder died: a new one starts', async () => {
    const pool = new LanePool();
    const lease = pool.lease();
    try {
      pool.warm(small, 38);
      const dead = (await pool['spare']!.ready).lane;
      dead.dispose();
      const taken = await pool.take(small, 38);
      assert.notEqual(taken.lane, dead);
      assert.ok(taken.lane.alive);
      taken.lane.dispose();
    } finally {
      lease.dispose();
      pool.dispose();
    }
  });

  it('encodes a still screen ahead on the spare, hands that chain over, and starts a chain grown too long afresh', async () => {
    const pool = new LanePool();
    const lease = pool.lease();
    const picture = (value: number) => () => Buffer.alloc(small.width * small.height * 4, value);
    const lanes: VideoLane[] = [];
    try {
      pool.warm(small, 38);
      assert.equal(pool.ahead(small, 44, picture(90), 1), false, 'a spare of another quality does not');
      assert.equal(pool.ahead(small, 38, picture(90), 1), true);
      assert.equal(pool.ahead(small, 38, picture(91), 2), false, 'one picture at a time');
      // A take while it encodes waits for it: the picture is soon there.
      const taken = await pool.take(small, 38);
      lanes.push(taken.lane);
      assert.equal(taken.frames.length, 2, 'the key frame and the picture');
      assert.equal(taken.shows, 1);
      assert.ok((await taken.lane.encode(Buffer.alloc(small.width * small.height * 4, 92))).length > 0, 'the encoder goes on from there');
      await until(() => pool['spare'] !== undefined, 5000, 'no refill');
      const spare = pool['spare']!;
      for (let shows = 10; shows < 30 && pool['spare'] === spare; shows++) {
        await until(() => pool.ahead(small, 38, picture(shows), shows), 5000, 'the spare stayed busy');
        await spare.ahead;
        if (shows === 10) assert.equal(pool.ahead(small, 38, picture(99), 99), false, 'it rests after each picture: its share of the core');
      }
      assert.notEqual(pool['spare'], spare, 'a chain past its bound makes way for a new spare');
      const fresh = await pool.take(small, 38);
      lanes.push(fresh.lane);
      assert.equal(fresh.frames.length, 1);
      assert.equal(fresh.shows, undefined);
    } finally {
      for (const lane of lanes) lane.dispose();
      lease.dispose();
      pool.dispose();
    }
  });
});
