/** Thrown when a bounded queue is full: the caller answers `busy` instead of waiting without end. */
export class BusyError extends Error {}

/**
 * At most `limit` tasks at once and `queue` waiting; beyond that `run` throws BusyError at once.
 * Password hashing goes through one: scrypt at N=2^17 takes 128 MiB and a thread of libuv's pool of 4
 * for a few hundred ms, so a sign-in flood must queue here, not starve TLS and file work.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly queue: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.queue) throw new BusyError('the server is busy checking other sign-ins; try again in a few seconds');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get pending(): number {
    return this.waiting.length;
  }
}

/**
 * Token buckets per key: `burst` at once, refilled at `burst` per `windowMs`. The map is bounded:
 * full buckets are forgotten first, then the oldest keys.
 */
export class RateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`: false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.burst) / this.windowMs);
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return false;
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.prune(now);
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) * this.burst) / this.windowMs >= this.burst) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

export interface BackoffOptions {
  /** Failures allowed before the first wait. */
  readonly free: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** A key with no failure for this long starts afresh. */
  readonly forgetMs: number;
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/** Exponential back-off after failed sign-ins, per account or per address: the wait doubles with each failure past `free`. */
export class Backoff {
  private readonly entries = new Map<string, { failures: number; last: number; until: number }>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: BackoffOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** How long `key` must still wait, in ms; 0 when it may try now. */
  wait(key: string): number {
    const entry = this.live(key);
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    const failures = (this.live(key)?.failures ?? 0) + 1;
    const over = failures - this.options.free;
    const until = over > 0 ? now + Math.min(this.options.maxMs, this.options.baseMs * 2 ** (over - 1)) : now;
    this.entries.delete(key);
    this.entries.set(key, { failures, last: now, until });
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.maxKeys) break;
      this.entries.delete(old);
    }
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && this.now() - Math.max(entry.last, entry.until) > this.options.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** Seconds, rounded up, for a "try again in N s" message. */
export function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
