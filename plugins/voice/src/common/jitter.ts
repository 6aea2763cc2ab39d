/**
 * The listener's adaptive jitter buffer, run in the playout AudioWorklet: decoded mono samples go in as they arrive,
 * and each render quantum takes its samples out. It starts playing at `target` ms, one frame more than the arrival
 * jitter seen lately, and keeps its low point, just before a frame arrives, at that jitter;
 * after a stall it skips back to the target instead of keeping the late audio, so latency does not pile up; and an
 * underrun fades out instead of clicking. Browser-safe and free of Web Audio, so the specs drive it directly.
 */

export interface JitterOptions {
  readonly sampleRate: number;
  /** Where the target starts: 20 ms, enough for 10 ms frames on a LAN. */
  readonly startMs?: number;
  readonly minMs?: number;
  readonly maxMs?: number;
}

export interface JitterStats {
  readonly queuedMs: number;
  readonly targetMs: number;
  readonly underruns: number;
  /** Audio left out to get back to the target: after stalls, and the slow drain of a fast sender's clock. */
  readonly skippedMs: number;
}

/** Above target plus this, a burst after a stall is skipped at once. */
const OVERFLOW_MS = 60;
/**
 * Every this long, a queue that never fell to its margin loses the excess, with a crossfade: what is left of a stall's
 * burst at once, and a fast sender's clock (0.1 % is 0.5 ms a window) a quantum at a time, once that much piled up.
 */
const DRAIN_WINDOW_MS = 500;
/** The arrival jitter the target follows: its 90th percentile over this long. */
const JITTER_WINDOW_S = 5;
/** A pause this long (a mute, a stall of the sender) starts the arrival statistics afresh. */
const NEW_SPURT_S = 1;
/** The first half second of a spurt is left out of them: a decoder starting up hands its first frames over in a burst. */
const WARM_UP_S = 0.5;
/**
 * How late a frame came is measured from the quickest frames within this of it, not of the whole window: the lag steps
 * for good when audio is lost on the way or at the sender, or when this side's audio clock slips under load, and a
 * step is no jitter; a stall's late frames are.
 */
const REFERENCE_S = 1;
/** Fades and crossfades last one render quantum's worth, 2.7 ms at 48 kHz. */
const FADE_SAMPLES = 128;
/** The most held: a second of audio, far above what any target keeps. */
const CAPACITY_S = 1;

export class JitterBuffer {
  private readonly ring: Float32Array;
  private read = 0;
  private queued = 0;
  private playing = false;
  /** The first quantum after buffering fades in. */
  private fadeIn = false;
  /** The last sample played: an underrun fades from it to silence. */
  private last = 0;
  /** After a reset while playing: the fade-out the next quantum plays. */
  private tail?: Float32Array;
  private target: number;
  private readonly min: number;
  private readonly max: number;
  private underruns = 0;
  private skipped = 0;
  private windowLeft: number;
  private windowMin = Infinity;
  private pending = 0;
  /** Arrival time minus media time of each push, with its arrival, for the jitter percentile. */
  private arrivals: { at: number; lag: number }[] = [];
  private pushed = 0;
  private pushes = 0;
  private lastArrival = -Infinity;
  private spurtStart = -Infinity;
  private readonly frame = { samples: 0 };

  constructor(private readonly options: JitterOptions) {
    const ms = (v: number) => Math.round((v * options.sampleRate) / 1000);
    this.ring = new Float32Array(Math.round(options.sampleRate * CAPACITY_S));
    this.target = ms(options.startMs ?? 20);
    this.min = ms(options.minMs ?? 12);
    this.max = ms(options.maxMs ?? 200);
    this.windowLeft = ms(DRAIN_WINDOW_MS);
  }

  get stats(): JitterStats {
    const ms = (samples: number) => Math.round((samples * 10_000) / this.options.sampleRate) / 10;
    return { queuedMs: ms(this.queued), targetMs: ms(this.target), underruns: this.underruns, skippedMs: ms(this.skipped) };
  }

  /** Decoded samples, arriving at `arrival` seconds on the audio clock. */
  push(samples: Float32Array, arrival: number): void {
    if (arrival - this.lastArrival > NEW_SPURT_S) {
      this.arrivals = [];
      this.spurtStart = arrival;
    }
    this.lastArrival = arrival;
    this.frame.samples = samples.length;
    if (arrival - this.spurtStart >= WARM_UP_S) this.arrivals.push({ at: arrival, lag: arrival - this.pushed / this.options.sampleRate });
    this.pushed += samples.length;
    if (++this.pushes % 25 === 0) this.retarget(arrival);
    // More than the ring holds: the oldest goes, as a skip would take it anyway.
    const overflow = this.queued + samples.length - this.ring.length;
    if (overflow > 0) this.skip(overflow);
    let at = (this.read + this.queued) % this.ring.length;
    for (let i = 0; i < samples.length; i++) {
      this.ring[at] = samples[i];
      if (++at === this.ring.length) at = 0;
    }
    this.queued += samples.length;
  }

  /** Fills one render quantum. */
  pull(out: Float32Array): void {
    if (this.tail) {
      out.set(this.tail.subarray(0, out.length));
      out.fill(0, this.tail.length);
      this.tail = undefined;
      return;
    }
    if (!this.playing) {
      if (this.queued < this.target) return this.silence(out);
      this.playing = true;
      this.fadeIn = true;
      // A burst after a stall: from silence nothing needs a crossfade; what is beyond the target is late, and goes.
      if (this.queued > this.target + this.ms(OVERFLOW_MS)) this.skip(this.queued - this.target);
    }
    if (this.queued > this.target + this.ms(OVERFLOW_MS)) this.pending = this.queued - this.target;
    if (this.pending > 0 && this.queued >= this.pending + out.length) return this.crossfade(out);
    if (this.queued < out.length) return this.underrun(out);
    this.take(out, 0, out.length);
    if (this.fadeIn) for (let i = 0; i < Math.min(FADE_SAMPLES, out.length); i++) out[i] *= i / FADE_SAMPLES;
    this.fadeIn = false;
    this.last = out[out.length - 1];
    this.drain(out.length);
  }

  /** Empties the buffer: the talker muted or talking stopped; what was playing fades out, the next audio buffers afresh. */
  reset(): void {
    if (this.playing) {
      // The next quantum starts with a fade from where playing stopped, instead of a cut to silence.
      const tail = new Float32Array(FADE_SAMPLES);
      this.peek(tail.subarray(0, Math.min(this.queued, FADE_SAMPLES)), 0);
      let from = this.last;
      for (let i = 0; i < FADE_SAMPLES; i++) {
        from = i < this.queued ? tail[i] : from;
        tail[i] = from * (1 - (i + 1) / FADE_SAMPLES);
      }
      this.tail = tail;
    }
    this.last = 0;
    this.read = this.queued = this.pending = 0;
    this.playing = false;
    this.arrivals = [];
    this.lastArrival = this.spurtStart = -Infinity;
  }

  private ms(v: number): number {
    return Math.round((v * this.options.sampleRate) / 1000);
  }

  /**
   * The target follows the jitter: one frame (they come whole) and the 90th percentile of how late each frame came, over
   * the window. Not the 95th: a 200 ms stall is 4 % of the window's frames, and would hold the target up for 5 s.
   */
  private retarget(now: number): void {
    if (this.arrivals.length === 0) return;
    const since = now - JITTER_WINDOW_S;
    let drop = 0;
    while (drop < this.arrivals.length && this.arrivals[drop].at < since) drop++;
    if (drop) this.arrivals = this.arrivals.slice(drop);
    const late = lateness(this.arrivals).sort((a, b) => a - b);
    const p90 = late[Math.min(late.length - 1, Math.floor(late.length * 0.9))];
    const wanted = this.frame.samples + Math.round(p90 * this.options.sampleRate);
    this.target = Math.max(this.min, Math.min(this.max, wanted));
  }

  /** What is left plays, then fades to silence from the last sample, and the buffer fills to the target again. */
  private underrun(out: Float32Array): void {
    const have = this.queued;
    this.take(out, 0, have);
    const from = have ? out[have - 1] : this.last;
    const fade = Math.min(FADE_SAMPLES, out.length - have);
    for (let i = 0; i < out.length - have; i++) out[have + i] = i < fade ? from * (1 - (i + 1) / fade) : 0;
    this.last = 0;
    this.playing = false;
    this.pending = 0;
    this.underruns++;
    // An underrun is the jitter speaking: the target follows at once, not at the next regular look.
    if (this.arrivals.length >= 10) this.retarget(this.lastArrival);
    this.windowMin = Infinity;
  }

  /** Skips `pending` samples: this quantum fades from the audio due now into the audio past the skip. */
  private crossfade(out: Float32Array): void {
    const n = out.length;
    const ahead = new Float32Array(n);
    this.peek(ahead, this.pending);
    this.take(out, 0, n);
    for (let i = 0; i < n; i++) {
      const w = (i + 1) / n;
      out[i] = out[i] * (1 - w) + ahead[i] * w;
    }
    this.skip(this.pending);
    this.pending = 0;
    this.last = out[n - 1];
    this.windowMin = Infinity;
    this.windowLeft = this.ms(DRAIN_WINDOW_MS);
  }

  /**
   * A queue whose low point stayed above the jitter margin (target less a frame) for a whole window holds audio it does
   * not need (it started at a burst, or the sender's clock runs fast): the excess goes.
   */
  private drain(played: number): void {
    this.windowMin = Math.min(this.windowMin, this.queued);
    this.windowLeft -= played;
    if (this.windowLeft > 0) return;
    this.windowLeft = this.ms(DRAIN_WINDOW_MS);
    const margin = Math.max(0, this.target - this.frame.samples);
    const excess = this.windowMin - margin;
    if (excess > FADE_SAMPLES) this.pending = excess;
    this.windowMin = Infinity;
  }

  private silence(out: Float32Array): void {
    out.fill(0);
  }

  private take(out: Float32Array, at: number, n: number): void {
    this.peek(out.subarray(at, at + n), 0);
    this.read = (this.read + n) % this.ring.length;
    this.queued -= n;
  }

  private peek(out: Float32Array, offset: number): void {
    let from = (this.read + offset) % this.ring.length;
    for (let i = 0; i < out.length; i++) {
      out[i] = this.ring[from];
      if (++from === this.ring.length) from = 0;
    }
  }

  private skip(n: number): void {
    const count = Math.min(n, this.queued);
    this.read = (this.read + count) % this.ring.length;
    this.queued -= count;
    this.skipped += count;
  }
}

/**
 * Each arrival's lag above the least lag around it: the larger of the least within REFERENCE_S before it and the least
 * within REFERENCE_S after it. A frame late in a stall has quicker frames on both sides; on either side of a step, one
 * side is all of its own level.
 */
function lateness(arrivals: readonly { at: number; lag: number }[]): number[] {
  const before = leastWithin(arrivals);
  const after = leastWithin(arrivals.map(({ at, lag }) => ({ at: -at, lag })).reverse()).reverse();
  return arrivals.map(({ lag }, i) => lag - Math.max(before[i], after[i]));
}

/** For each point, in order of `at`, the least lag of the points from REFERENCE_S before it up to it (a sliding minimum). */
function leastWithin(points: readonly { at: number; lag: number }[]): number[] {
  const least: number[] = [];
  const window: number[] = [];
  let head = 0;
  points.forEach(({ at, lag }, i) => {
    while (window.length > head && points[window[window.length - 1]].lag >= lag) window.pop();
    window.push(i);
    while (points[window[head]].at < at - REFERENCE_S) head++;
    least.push(points[window[head]].lag);
  });
  return least;
}
