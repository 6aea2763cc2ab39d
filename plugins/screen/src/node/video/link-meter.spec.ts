import assert from 'node:assert/strict';
import { LinkMeter } from './link-meter.js';

describe('screen link meter: round trip, queueing and rate from sync marks', () => {
  it('measures the round trip, the queueing above the smallest, and frames in flight', () => {
    let now = 0;
    const meter = new LinkMeter(() => now);
    const a = meter.mark();
    now = 20;
    meter.answered(a);
    assert.equal(meter.rttMs, 20);
    const b = meter.mark();
    const c = meter.mark();
    assert.equal(meter.outstanding, 2);
    now = 80;
    meter.answered(c);
    assert.equal(meter.outstanding, 0, 'an answer covers every earlier mark');
    assert.equal(meter.queueMs, 40);
    meter.answered(b);
    assert.equal(meter.rttMs, 60, 'an answer for a mark already covered changes nothing');
  });

  it('takes the rate only from bytes that queued behind the previous answer', () => {
    let now = 0;
    const meter = new LinkMeter(() => now);
    meter.sent(1000);
    const a = meter.mark();
    meter.sent(100_000);
    const b = meter.mark();
    now = 10;
    meter.answered(a);
    assert.equal(meter.bytesPerSecond, 0, 'one answer says nothing of the rate');
    now = 110;
    meter.answered(b);
    assert.equal(meter.bytesPerSecond, 1_000_000, '100,000 bytes in the 100 ms between the answers');
    now = 5000;
    const idle = meter.mark();
    now = 5010;
    meter.answered(idle);
    assert.equal(meter.bytesPerSecond, 1_000_000, 'a mark after an idle pause does not measure the link');
  });

  it('times the link only with answers at least 50 ms apart, and takes the median of what it saw', () => {
    let now = 0;
    const meter = new LinkMeter(() => now);
    // Marks sent together, answered as the link delivers them.
    const marks = [10_000, 50_000, 50_000, 50_000, 200_000].map((bytes) => (meter.sent(bytes), meter.mark()));
    const answer = (at: number, i: number) => ((now = at), meter.answered(marks[i]));
    answer(10, 0);
    answer(110, 1);
    answer(111, 2);
    assert.equal(meter.bytesPerSecond, 500_000, 'the answer 1 ms later (a page catching up) times nothing');
    answer(210, 3);
    answer(310, 4);
    assert.equal(meter.bytesPerSecond, 1_000_000, 'the median of 0.5, 1 and 2 MB/s');
  });

  it('keeps a bounded number of unanswered marks, and forgets them on request', () => {
    const meter = new LinkMeter(() => 0);
    for (let i = 0; i < 1000; i++) meter.mark();
    assert.equal(meter.outstanding, 64);
    meter.forget();
    assert.equal(meter.outstanding, 0);
  });
});
