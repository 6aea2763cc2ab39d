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

  it('does not count what the page held a mark as queueing on the link, nor in its rate', () => {
    let now = 0;
    const meter = new LinkMeter(() => now);
    const a = meter.mark();
    now = 20;
    meter.answered(a);
    meter.sent(50_000);
    const b = meter.mark();
    now = 100;
    // A busy page: the mark came after 20 ms and waited 60 ms behind a frame being decoded and painted.
    meter.answered(b, 60);
    assert.equal(meter.rttMs, 80, 'the round trip is the whole trip');
    assert.equal(meter.queueMs, 0, 'the link delivered it in its usual time');
    meter.sent(50_000);
    const c = meter.mark();
    now = 200;
    meter.answered(c, 10);
    assert.equal(meter.queueMs, 70, 'a mark that took 90 ms on a 20 ms link waited 70 ms in its queues');
    assert.equal(meter.bytesPerSecond, 0, 'bytes sent after the previous mark came do not time the link');
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
    now = 150;
    meter.answered(b, 40);
    assert.equal(meter.bytesPerSecond, 1_000_000, '100,000 bytes in the 100 ms between the marks reaching the page');
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

  it('knows what the link can carry from the most it carried in the last 30 s: a burst timed from its first byte', () => {
    let now = 0;
    const meter = new LinkMeter(() => now);
    assert.equal(meter.capacity, 0, 'not known before anything came');
    // The pointer moved 200 ms before a burst of exact pixels: only the burst times the link.
    meter.sent(100);
    now = 200;
    meter.sent(60_000);
    now = 201;
    meter.sent(40_000);
    const burst = meter.mark();
    now = 250;
    meter.answered(burst);
    assert.equal(meter.capacity, 2_000_000, '100,000 bytes came within 50 ms of the first going');
    now = 1000;
    meter.sent(5_000);
    const frame = meter.mark();
    now = 1100;
    meter.answered(frame);
    assert.equal(meter.capacity, 2_000_000, 'a small frame that came slowly does not say the link got slower');
    now = 31_000;
    assert.equal(meter.capacity, 50_000, 'after 30 s only the frame is known');
  });

  it('keeps a bounded number of unanswered marks, and forgets them on request', () => {
    const meter = new LinkMeter(() => 0);
    for (let i = 0; i < 1000; i++) meter.mark();
    assert.equal(meter.outstanding, 64);
    meter.forget();
    assert.equal(meter.outstanding, 0);
  });
});
