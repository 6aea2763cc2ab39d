import assert from 'node:assert/strict';
import { VIDEO_QUALITY_STEPS } from '../../common/messages.js';
import { QUALITY_STEPS, startingCrf, VideoQuality } from './quality.js';

describe('video quality: coarser frames only once fewer frames are not enough, sharper again on a calm link', () => {
  let now = 0;
  const clock = () => now;
  /** `ms` of frames every `every` ms with the link in this state; the quality steps taken meanwhile. */
  const run = (q: VideoQuality, ms: number, congested: boolean, frameMs: number, every = 100) => {
    const steps: number[] = [];
    for (const end = now + ms; now < end; now += every) {
      const crf = q.update(congested, frameMs, frameMs <= 66);
      if (crf !== undefined) steps.push(crf);
    }
    return steps;
  };
  beforeEach(() => (now = 0));

  it('has as many steps as the statistics count, sharpest first; each mode starts where it should', () => {
    assert.equal(QUALITY_STEPS.length, VIDEO_QUALITY_STEPS);
    assert.deepEqual(
      [...QUALITY_STEPS],
      [...QUALITY_STEPS].sort((a, b) => a - b),
    );
    assert.equal(startingCrf('automatic'), QUALITY_STEPS[0]);
    assert.ok(startingCrf('least') > startingCrf('automatic'));
    assert.equal(new VideoQuality('automatic', clock).level, 1);
  });

  it('keeps its quality while the frame rate alone absorbs the congestion', () => {
    const q = new VideoQuality('automatic', clock);
    assert.deepEqual(run(q, 10_000, true, 66), []);
    assert.equal(q.crf, QUALITY_STEPS[0]);
  });

  it('steps down at most every 2 s while frames are slow and the link still queues, to the coarsest and no further', () => {
    const q = new VideoQuality('automatic', clock);
    now = 2000;
    assert.deepEqual(run(q, 20_000, true, 264), QUALITY_STEPS.slice(1));
    assert.equal(q.level, VIDEO_QUALITY_STEPS);
  });

  it('climbs back one step per 5 s of calm at the full frame rate, to where its mode started', () => {
    const q = new VideoQuality('least', clock);
    now = 2000;
    run(q, 6000, true, 500);
    assert.equal(q.crf, QUALITY_STEPS[4]);
    assert.deepEqual(run(q, 4000, false, 33), [], 'not before 5 s of calm');
    assert.deepEqual(run(q, 30_000, false, 33), [QUALITY_STEPS[3], QUALITY_STEPS[2]], 'least data recovers to its own start');
  });

  it('does not count calm at a reduced frame rate, nor calm broken by congestion', () => {
    const q = new VideoQuality('automatic', clock);
    now = 2000;
    run(q, 2000, true, 264);
    assert.equal(q.level, 2);
    assert.deepEqual(run(q, 10_000, false, 132), [], 'frames still slow');
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(run(q, 3000, false, 33), []);
      run(q, 100, true, 33);
    }
    assert.deepEqual(run(q, 6000, false, 33), [QUALITY_STEPS[0]]);
  });
});
