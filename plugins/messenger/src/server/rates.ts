import type { Rate } from './config.js';
import { Backoff, RateLimit } from './limits.js';

/** Exponential back-off after failures: `free` failures, then base·2ⁿ up to max; forgotten after `forgetMs` without one. */
export interface BackoffRule {
  readonly free: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly forgetMs: number;
}

/**
 * Rate limits and sign-in back-off, by bucket (what is limited) and key (who). In one process they are
 * maps (LocalRates); across nodes they live in Redis, so a user gets one budget whatever node they reach.
 */
export interface Rates {
  /** Takes one from `key`'s bucket: false when it is empty. */
  take(bucket: string, key: string, rate: Rate): Promise<boolean>;
  /** How long `key` must still wait, in ms; 0 when it may try now. */
  wait(bucket: string, key: string, rule: BackoffRule): Promise<number>;
  fail(bucket: string, key: string, rule: BackoffRule): Promise<void>;
  succeed(bucket: string, key: string): Promise<void>;
}

/** The rates of one process: a bounded map per bucket. */
export class LocalRates implements Rates {
  private readonly limits = new Map<string, RateLimit>();
  private readonly backoffs = new Map<string, Backoff>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(bucket: string, key: string, rate: Rate): Promise<boolean> {
    let limit = this.limits.get(bucket);
    if (!limit) this.limits.set(bucket, (limit = new RateLimit(rate.burst, rate.windowMs, 100_000, this.now)));
    return limit.take(key);
  }

  async wait(bucket: string, key: string, rule: BackoffRule): Promise<number> {
    return this.backoff(bucket, rule).wait(key);
  }

  async fail(bucket: string, key: string, rule: BackoffRule): Promise<void> {
    this.backoff(bucket, rule).fail(key);
  }

  async succeed(bucket: string, key: string): Promise<void> {
    this.backoffs.get(bucket)?.succeed(key);
  }

  private backoff(bucket: string, rule: BackoffRule): Backoff {
    let backoff = this.backoffs.get(bucket);
    if (!backoff) this.backoffs.set(bucket, (backoff = new Backoff({ ...rule, now: this.now })));
    return backoff;
  }
}
