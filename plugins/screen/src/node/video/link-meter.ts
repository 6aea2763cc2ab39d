/** Marks not yet answered that are kept; past this the oldest are forgotten (a helper that never answers). */
const MAX_MARKS = 64;
/** The rate is the median delivery of this recent past; the smallest trip, the link's delay without queueing. */
const WINDOW_MS = 10_000;
/**
 * Answers closer together than this do not time the link: a page that was busy answers several marks at once, and
 * their bytes came long before. The rate is then taken with a later answer.
 */
const RATE_SPAN_MS = 50;
/** What the link can carry is the most it was seen to carry this recently. */
const CAPACITY_MS = 30_000;
/** The most rates kept for it: the newest, each lower than the one before (the oldest go first). */
const MAX_CARRIED = 64;
/** Sends closer together than this are one burst. */
const BURST_GAP_MS = 10;

interface Mark {
  readonly at: number;
  /** Bytes sent before it, all told. */
  readonly bytes: number;
  /** The burst it ended: the bytes sent just before it, each soon after the one before, and when the first went. */
  readonly burst: number;
  readonly from: number;
}

/**
 * The novice's view of the link to one helper, from sync marks: each goes out after a batch and comes back once
 * the helper applied it, saying how long it held the mark after it came (decoding and painting what came before).
 * Round trip = answer − send; the link's part of it leaves out that hold. Rate = bytes that reached the page between
 * two marks at least RATE_SPAN_MS apart over that time, while the link was busy; queueing = the link's latest part
 * above its smallest. A busy page thus slows frames (they wait for its answers) without counting as a full link.
 */
export class LinkMeter {
  private readonly marks = new Map<number, Mark>();
  private next = 1;
  private bytes = 0;
  /** The last mark that timed the link: when it reached the page. */
  private last?: { readonly at: number; readonly bytes: number };
  /** The link's part of recent round trips. */
  private trips: { at: number; ms: number }[] = [];
  private rates: { at: number; bps: number }[] = [];
  /** Rates the link carried at least, each higher than every later one: the first is the most. */
  private carried: { at: number; bps: number }[] = [];
  private burst = { bytes: 0, from: 0, last: -Infinity };
  /** The last round trip, ms. */
  rttMs = 0;
  /** When the oldest unanswered mark went out; undefined when all are answered. */
  lastAnswerAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Counts bytes sent on the channel. */
  sent(bytes: number): void {
    const now = this.now();
    if (now - this.burst.last > BURST_GAP_MS) this.burst = { bytes: 0, from: now, last: now };
    this.burst.bytes += bytes;
    this.burst.last = now;
    this.bytes += bytes;
  }

  /** A new mark to send; its number. */
  mark(): number {
    const n = this.next++;
    if (this.marks.size === 0) this.lastAnswerAt = this.now();
    this.marks.set(n, { at: this.now(), bytes: this.bytes, burst: this.burst.bytes, from: this.burst.from });
    this.burst = { bytes: 0, from: 0, last: -Infinity };
    if (this.marks.size > MAX_MARKS) this.marks.delete(this.marks.keys().next().value!);
    return n;
  }

  /** The helper applied everything up to mark `n`, held `heldMs` on its side; unknown or old numbers are ignored. */
  answered(n: number, heldMs = 0): void {
    const mark = this.marks.get(n);
    if (!mark) return;
    for (const k of this.marks.keys()) if (k <= n) this.marks.delete(k);
    const now = this.now();
    this.lastAnswerAt = now;
    this.rttMs = now - mark.at;
    const held = Math.min(heldMs, this.rttMs);
    this.trips = [...this.trips.filter((s) => now - s.at < WINDOW_MS), { at: now, ms: this.rttMs - held }];
    // When the mark reached the page (less the answer's way back, the same for every mark).
    const came = now - held;
    // The burst before the mark went from `from` on and had all come by then: the link carried at least that.
    if (mark.burst > 0) this.carry(now, (mark.burst * 1000) / Math.max(1, came - mark.from));
    const last = this.last;
    if (last && came - last.at < RATE_SPAN_MS) return;
    // Only bytes that queued behind the previous mark measure the link, not the screen's pace.
    if (last && mark.at < last.at && mark.bytes > last.bytes) {
      const bps = ((mark.bytes - last.bytes) * 1000) / (came - last.at);
      this.rates = [...this.rates.filter((s) => now - s.at < WINDOW_MS), { at: now, bps }];
      this.carry(now, bps);
    }
    this.last = { at: came, bytes: mark.bytes };
  }

  /** Marks sent and not yet answered: frames in flight. */
  get outstanding(): number {
    return this.marks.size;
  }

  /** How long the last mark waited in the link's queues beyond its own delay; not what the page held it. */
  get queueMs(): number {
    if (!this.trips.length) return 0;
    return Math.max(0, this.trips[this.trips.length - 1].ms - Math.min(...this.trips.map((s) => s.ms)));
  }

  /** Bytes per second the link delivered recently while busy (the median); 0 until measured. */
  get bytesPerSecond(): number {
    const sorted = this.rates.map((s) => s.bps).sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
  }

  /**
   * The most the link was seen to carry lately, bytes per second; 0 until measured. Each rate is at most what the
   * link can carry, and equals it when the link was the bottleneck (a burst of exact pixels, frames that fill a slow link).
   */
  get capacity(): number {
    const now = this.now();
    return this.carried.find((s) => now - s.at < CAPACITY_MS)?.bps ?? 0;
  }

  private carry(at: number, bps: number): void {
    this.carried = [...this.carried.filter((s) => s.bps > bps && at - s.at < CAPACITY_MS), { at, bps }].slice(-MAX_CARRIED);
  }

  /** Forgets unanswered marks, e.g. when the helper's page went away. */
  forget(): void {
    this.marks.clear();
  }
}
