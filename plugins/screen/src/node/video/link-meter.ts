/** Marks not yet answered that are kept; past this the oldest are forgotten (a helper that never answers). */
const MAX_MARKS = 64;
/** The rate is the median delivery of this recent past; the smallest trip, the link's delay without queueing. */
const WINDOW_MS = 10_000;
/**
 * Answers closer together than this do not time the link: a page that was busy answers several marks at once, and
 * their bytes came long before. The rate is then taken with a later answer.
 */
const RATE_SPAN_MS = 50;

interface Mark {
  readonly at: number;
  readonly bytes: number;
}

/**
 * The novice's view of the link to one helper, from sync marks: each goes out after a batch and comes back once
 * the helper applied it. Round trip = answer − send; rate = bytes delivered between two answers at least
 * RATE_SPAN_MS apart over that time, while the link was busy; queueing = the latest round trip above the smallest.
 */
export class LinkMeter {
  private readonly marks = new Map<number, Mark>();
  private next = 1;
  private bytes = 0;
  private last?: { readonly n: number; readonly at: number; readonly bytes: number };
  private rtts: { at: number; ms: number }[] = [];
  private rates: { at: number; bps: number }[] = [];
  /** The last round trip, ms. */
  rttMs = 0;
  /** When the oldest unanswered mark went out; undefined when all are answered. */
  lastAnswerAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Counts bytes sent on the channel. */
  sent(bytes: number): void {
    this.bytes += bytes;
  }

  /** A new mark to send; its number. */
  mark(): number {
    const n = this.next++;
    if (this.marks.size === 0) this.lastAnswerAt = this.now();
    this.marks.set(n, { at: this.now(), bytes: this.bytes });
    if (this.marks.size > MAX_MARKS) this.marks.delete(this.marks.keys().next().value!);
    return n;
  }

  /** The helper applied everything up to mark `n`; unknown or old numbers are ignored. */
  answered(n: number): void {
    const mark = this.marks.get(n);
    if (!mark) return;
    for (const k of this.marks.keys()) if (k <= n) this.marks.delete(k);
    const now = this.now();
    this.lastAnswerAt = now;
    this.rttMs = now - mark.at;
    this.rtts = [...this.rtts.filter((s) => now - s.at < WINDOW_MS), { at: now, ms: this.rttMs }];
    const last = this.last;
    if (last && now - last.at < RATE_SPAN_MS) return;
    // Only bytes that queued behind the previous answer measure the link, not the screen's pace.
    if (last && mark.at < last.at && mark.bytes > last.bytes) {
      this.rates = [...this.rates.filter((s) => now - s.at < WINDOW_MS), { at: now, bps: ((mark.bytes - last.bytes) * 1000) / (now - last.at) }];
    }
    this.last = { n, at: now, bytes: mark.bytes };
  }

  /** Marks sent and not yet answered: frames in flight. */
  get outstanding(): number {
    return this.marks.size;
  }

  get minRttMs(): number {
    return this.rtts.length ? Math.min(...this.rtts.map((s) => s.ms)) : 0;
  }

  /** How long the last answer waited in queues beyond the link's own delay. */
  get queueMs(): number {
    return Math.max(0, this.rttMs - this.minRttMs);
  }

  /** Bytes per second the link delivered recently while busy (the median); 0 until measured. */
  get bytesPerSecond(): number {
    const sorted = this.rates.map((s) => s.bps).sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
  }

  /** Forgets unanswered marks, e.g. when the helper's page went away. */
  forget(): void {
    this.marks.clear();
  }
}
