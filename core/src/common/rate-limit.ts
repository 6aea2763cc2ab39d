/** At most `max` events in any `windowMs` milliseconds. */
export interface Limit {
  readonly max: number;
  readonly windowMs: number;
}

/** "20 messages in 10 s", for the messages that state a limit. */
export function describeLimit({ max, windowMs }: Limit, what: string): string {
  return `${max} ${what} in ${windowMs / 1000} s`;
}

/** A sliding window over the times of the events it let through. */
export class RateLimit {
  private readonly times: number[] = [];

  constructor(
    private readonly limit: Limit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether one more event fits now; refused events do not count, so a flood still gets `max` per window through. */
  take(): boolean {
    const now = this.now();
    while (this.times.length > 0 && now - this.times[0] >= this.limit.windowMs) this.times.shift();
    if (this.times.length >= this.limit.max) return false;
    this.times.push(now);
    return true;
  }
}
