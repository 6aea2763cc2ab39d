import assert from 'node:assert/strict';
import { JitterBuffer } from './jitter.js';

const RATE = 48_000;
const QUANTUM = 128;
const FRAME = 480;

interface Run {
  /** Per quantum: the time, and how late the last sample played was (ms), when it is a clean sample. */
  readonly latency: { t: number; ms: number }[];
  readonly played: Float32Array;
  readonly buffer: JitterBuffer;
}

/**
 * Plays `seconds` of a talker sending 10 ms frames through the buffer, quantum by quantum. `arrives(sent)` gives when
 * the frame sent at `sent` (s) arrives, or undefined when it never does; `rate` scales the sender's clock (drift). Each sample's value is its own index
 * plus one (a ramp), so a played sample tells how late it came out; `tone` plays a 440 Hz sine instead.
 */
function run(seconds: number, arrives: (sent: number) => number | undefined, options: { rate?: number; tone?: boolean } = {}): Run {
  const buffer = new JitterBuffer({ sampleRate: RATE });
  const rate = options.rate ?? 1;
  const frames: { at: number; samples: Float32Array }[] = [];
  for (let n = 0; n * FRAME < seconds * RATE * rate; n++) {
    const samples = new Float32Array(FRAME);
    for (let i = 0; i < FRAME; i++) {
      const index = n * FRAME + i;
      samples[i] = options.tone ? 0.5 * Math.sin((2 * Math.PI * 440 * index) / RATE) : index + 1;
    }
    const at = arrives(((n + 1) * FRAME) / RATE / rate);
    if (at !== undefined) frames.push({ at, samples });
  }
  frames.sort((a, b) => a.at - b.at);
  const played = new Float32Array(Math.floor((seconds * RATE) / QUANTUM) * QUANTUM);
  const latency: { t: number; ms: number }[] = [];
  let next = 0;
  for (let q = 0; q * QUANTUM < played.length; q++) {
    const t = (q * QUANTUM) / RATE;
    while (next < frames.length && frames[next].at <= t) buffer.push(frames[next].samples, frames[next++].at);
    const out = played.subarray(q * QUANTUM, (q + 1) * QUANTUM);
    buffer.pull(out);
    const last = out[QUANTUM - 1];
    // Media time of the sample that plays at the end of this quantum, in the sender's clock.
    // A clean sample: an index one past the one before it (a fade or crossfade scales them, and is left out).
    if (!options.tone && Number.isInteger(last) && last > 0 && last - out[QUANTUM - 2] === 1)
      latency.push({ t, ms: (t + QUANTUM / RATE - last / RATE / rate) * 1000 });
  }
  return { latency, played, buffer };
}

const within = (r: Run, from: number, to: number) => r.latency.filter((l) => l.t >= from && l.t < to).map((l) => l.ms);
const max = (xs: number[]) => Math.max(...xs);
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The largest step between two samples played: a click is a step a 440 Hz sine at 0.5 never makes. */
const largestStep = (played: Float32Array) => played.reduce((m, v, i) => (i ? Math.max(m, Math.abs(v - played[i - 1])) : m), 0);

describe('voice: the jitter buffer', () => {
  it('plays a steady stream starting 20 ms behind, then comes down to what no jitter needs, with no underrun', () => {
    const r = run(10, (sent) => sent + 0.001);
    const steady = within(r, 2, 10);
    assert.ok(steady.length > 2500, `${steady.length} clean samples`);
    assert.ok(max(within(r, 0, 1)) <= 35, 'it starts about 20 ms behind');
    assert.ok(max(steady) <= 25, `once settled, at most ${max(steady).toFixed(1)} ms behind`);
    assert.equal(r.buffer.stats.underruns, 0);
    assert.ok(r.buffer.stats.skippedMs <= 10, `${r.buffer.stats.skippedMs} ms skipped to come down`);
  });

  it('after a 200 ms stall, skips the late burst and is back at its target within 2 s', () => {
    // Frames sent between 3.0 and 3.2 s all arrive at 3.2 s, as after a TCP retransmission.
    const r = run(8, (sent) => (sent >= 3 && sent < 3.2 ? 3.2 : sent + 0.001));
    const before = p50(within(r, 1, 3));
    const after = within(r, 3.4, 5.2);
    assert.ok(max(after) <= before + 15, `within 2 s of the stall the lag is ${max(after).toFixed(1)} ms at most, against ${before.toFixed(1)} before`);
    assert.ok(r.buffer.stats.skippedMs >= 100, `skipped ${r.buffer.stats.skippedMs} ms of late audio instead of keeping it`);
    assert.ok(r.buffer.stats.underruns >= 1, 'the stall itself was an underrun');
  });

  it('after a stall whose burst is under the overflow, is back at its target within a second', () => {
    // 60 ms of frames arrive late, together: too little to skip at once, and more than the target needs.
    const r = run(6, (sent) => (sent >= 3 && sent < 3.06 ? 3.06 : sent + 0.001));
    const before = p50(within(r, 2, 3));
    const after = within(r, 4.1, 6);
    assert.ok(max(after) <= before + 5, `a second after, the lag is ${max(after).toFixed(1)} ms at most, against ${before.toFixed(1)} before`);
  });

  it('takes a lasting step in the lag (audio lost on the way, a clock that slipped) for no jitter after a second', () => {
    // 200 ms of the sender's audio never comes: every frame after it is 200 ms "later" than the ones before.
    const lost = run(8, (sent) => (sent >= 3 && sent < 3.2 ? undefined : sent + 0.001));
    const before = p50(within(lost, 1, 3));
    assert.ok(max(within(lost, 4.5, 8)) <= before + 15, `lost audio: ${max(within(lost, 4.5, 8)).toFixed(1)} ms behind, against ${before.toFixed(1)}`);
    assert.ok(lost.buffer.stats.targetMs <= 30, `lost audio: the target is ${lost.buffer.stats.targetMs} ms at the end`);
    // The path (or this side's clock) gets 200 ms quicker at 3 s: the frames before it were no later than usual.
    const quicker = run(8, (sent) => (sent < 3 ? sent + 0.201 : sent + 0.001));
    assert.ok(max(within(quicker, 4.5, 8)) <= 30, `a quicker path: ${max(within(quicker, 4.5, 8)).toFixed(1)} ms behind`);
    assert.ok(quicker.buffer.stats.targetMs <= 30, `a quicker path: the target is ${quicker.buffer.stats.targetMs} ms at the end`);
  });

  it('takes bursts of frames without adding lasting delay', () => {
    // Frames come in threes every 30 ms: jitter of up to 20 ms.
    const r = run(10, (sent) => Math.ceil(sent / 0.03 - 1e-9) * 0.03);
    const steady = within(r, 6, 10);
    assert.ok(max(steady) <= 70, `at most ${max(steady).toFixed(1)} ms behind with 30 ms bursts`);
    assert.ok(r.buffer.stats.underruns <= 3, `${r.buffer.stats.underruns} underruns once the target followed the bursts`);
    assert.ok(r.buffer.stats.targetMs >= 25, `the target rose to ${r.buffer.stats.targetMs} ms for the bursts`);
  });

  it('fades out on an underrun and in again, never clicking', () => {
    // A 440 Hz tone whose frames stop for 100 ms twice.
    const r = run(4, (sent) => (sent >= 1 && sent < 1.1 ? 1.1 : sent >= 2.5 && sent < 2.6 ? 2.6 : sent + 0.001), { tone: true });
    assert.ok(r.buffer.stats.underruns >= 2, `${r.buffer.stats.underruns} underruns`);
    const step = largestStep(r.played);
    assert.ok(step < 0.06, `the largest step between samples is ${step.toFixed(3)}; a cut would be up to 0.5`);
  });

  it('follows a sender whose clock runs 0.2 % fast or slow, without the lag growing', () => {
    const fast = run(30, (sent) => sent + 0.001, { rate: 1.002 });
    assert.ok(max(within(fast, 20, 30)) <= 40, `fast sender: at most ${max(within(fast, 20, 30)).toFixed(1)} ms behind after 30 s`);
    assert.ok(fast.buffer.stats.skippedMs > 40, `the slow drain skipped ${fast.buffer.stats.skippedMs} ms of the extra audio`);
    const slow = run(30, (sent) => sent + 0.001, { rate: 0.998 });
    assert.ok(max(within(slow, 20, 30)) <= 40, `slow sender: at most ${max(within(slow, 20, 30)).toFixed(1)} ms behind`);
    // 60 ms the slow sender never sent: the queue runs dry now and then (no time-stretching here), each time a fade.
    assert.ok(slow.buffer.stats.underruns <= 20, `${slow.buffer.stats.underruns} underruns in 30 s, each a fade`);
  });

  it('fades out when reset while playing (the talker muted), never clicking', () => {
    const buffer = new JitterBuffer({ sampleRate: RATE });
    const tone = (n: number) => Float32Array.from({ length: FRAME }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * (n * FRAME + i)) / RATE));
    const played: number[] = [];
    const out = new Float32Array(QUANTUM);
    for (let q = 0, n = 0; q < 60; q++) {
      while (n * FRAME <= (q + 1) * QUANTUM + 960) buffer.push(tone(n++), (q * QUANTUM) / RATE);
      if (q === 40) buffer.reset();
      buffer.pull(out);
      played.push(...out);
    }
    const step = largestStep(Float32Array.from(played));
    assert.ok(step < 0.06, `the largest step between samples is ${step.toFixed(3)}; a cut would be up to 0.5`);
    assert.ok(
      played.slice(40 * QUANTUM, 41 * QUANTUM).some((v) => v !== 0),
      'the quantum after the reset fades',
    );
  });

  it('starts afresh after reset, buffering to its target before playing', () => {
    const buffer = new JitterBuffer({ sampleRate: RATE });
    buffer.push(new Float32Array(FRAME).fill(0.25), 0);
    buffer.reset();
    const out = new Float32Array(QUANTUM);
    buffer.pull(out);
    assert.deepEqual([...out], new Array(QUANTUM).fill(0));
    assert.equal(buffer.stats.queuedMs, 0);
  });
});
