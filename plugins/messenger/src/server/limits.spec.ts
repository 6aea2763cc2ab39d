import assert from 'node:assert/strict';
import { Backoff, BusyError, RateLimit, Semaphore } from './limits.js';

describe('messenger server: limits', () => {
  it('runs at most `limit` tasks at once, queues `queue` more, and refuses the rest as busy at once', async () => {
    const gate = new Semaphore(2, 1);
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const task = () =>
      gate.run(async () => {
        most = Math.max(most, ++running);
        await new Promise<void>((r) => releases.push(r));
        running--;
      });
    const tasks = [task(), task(), task()];
    await assert.rejects(task(), (e) => e instanceof BusyError && /busy/.test(e.message));
    assert.equal(gate.pending, 1);
    while (releases.length || running) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(tasks);
    assert.equal(most, 2);
    // Capacity comes back once the queue drains.
    await gate.run(async () => undefined);
  });

  it('a rate limit allows a burst, refills over its window, and keeps its keys bounded', () => {
    let now = 0;
    const limit = new RateLimit(3, 3000, 10, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limit.take('a')),
      [true, true, true, false],
    );
    assert.equal(limit.take('b'), true, 'keys are independent');
    now += 999;
    assert.equal(limit.take('a'), false);
    now += 1;
    assert.equal(limit.take('a'), true, 'one token per second comes back');
    for (let i = 0; i < 100; i++) limit.take(`k${i}`);
    assert.ok(limit.size <= 10, `${limit.size} keys kept`);
  });

  it('back-off lets `free` failures pass, then doubles the wait up to its cap, and forgets after a quiet spell', () => {
    let now = 0;
    const backoff = new Backoff({ free: 2, baseMs: 1000, maxMs: 8000, forgetMs: 60_000, now: () => now });
    backoff.fail('x');
    backoff.fail('x');
    assert.equal(backoff.wait('x'), 0);
    const waits = [];
    for (let i = 0; i < 6; i++) {
      backoff.fail('x');
      waits.push(backoff.wait('x'));
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 8000, 8000]);
    now += 8000;
    assert.equal(backoff.wait('x'), 0, 'the wait ends');
    backoff.fail('x');
    assert.equal(backoff.wait('x'), 8000, 'but the count stays while failures go on');
    now += 8000 + 60_001;
    backoff.fail('x');
    assert.equal(backoff.wait('x'), 0, 'a long quiet spell starts afresh');
    backoff.fail('x');
    backoff.fail('x');
    backoff.succeed('x');
    assert.equal(backoff.wait('x'), 0);
  });
});
