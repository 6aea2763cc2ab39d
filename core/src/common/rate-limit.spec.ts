import assert from 'node:assert/strict';
import { describeLimit, RateLimit } from './rate-limit.js';

describe('RateLimit', () => {
  it('lets max events through in any window, refuses the rest, and forgets events once the window passed', () => {
    let now = 0;
    const limit = new RateLimit({ max: 3, windowMs: 1000 }, () => now);
    assert.deepEqual([limit.take(), limit.take(), limit.take(), limit.take()], [true, true, true, false]);
    now = 999;
    assert.equal(limit.take(), false, 'the first event is still inside the window');
    now = 1000;
    assert.equal(limit.take(), true, 'the first three left the window together');
  });

  it('does not count refused events, so a steady flood still gets max per window through', () => {
    let now = 0;
    const limit = new RateLimit({ max: 2, windowMs: 1000 }, () => now);
    let passed = 0;
    for (; now < 5000; now += 10) if (limit.take()) passed++;
    assert.equal(passed, 10);
  });

  it('states itself for messages', () => {
    assert.equal(describeLimit({ max: 20, windowMs: 10_000 }, 'messages'), '20 messages in 10 s');
  });
});
