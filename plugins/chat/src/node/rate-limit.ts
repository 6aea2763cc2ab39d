/** At most `max` events in any `windowMs`: a sliding window over the times of the events it let through. */
export class RateLimit {
  private readonly times: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether one more event fits now; refused events do not count, so a flood still gets `max` per window through. */
  take(): boolean {
    const now = this.now();
    while (this.times.length > 0 && now - this.times[0] >= this.windowMs) this.times.shift();
    if (this.times.length >= this.max) return false;
    this.times.push(now);
    return true;
  }

  /** "20 in 10 s", for messages that state the limit. */
  toString(): string {
    return `${this.max} in ${this.windowMs / 1000} s`;
  }
}
