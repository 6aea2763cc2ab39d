import { RELAY_WAIT_MS } from '../../common/protocol.js';

/** What one relay node allows; a cap that ends a relay closes both of its sides. */
export interface RelayLimits {
  /** Bytes per second per session, both directions together (a token bucket with one second of burst). */
  readonly bytesPerSecond: number;
  /** The longest a paired session may last. */
  readonly maxSessionMs: number;
  /** A paired session with no byte either way for this long is closed. */
  readonly idleMs: number;
  /** Relays (waiting or paired) one account may hold at once. */
  readonly perAccount: number;
  /** Relays (waiting or paired) on this node. */
  readonly total: number;
  /** How long the first side waits for the second. */
  readonly waitMs: number;
}

/**
 * 32 Mb/s per session (hbbr's downgraded rate: a screen stream needs a fraction), sessions of at most
 * 8 hours, 60 s idle (RA's wire pings every 5 s), a few sessions per account, 1,000 on a node (the bench's load).
 */
export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  bytesPerSecond: 4 * 1024 * 1024,
  maxSessionMs: 8 * 3600_000,
  idleMs: 60_000,
  perAccount: 4,
  total: 1000,
  waitMs: RELAY_WAIT_MS,
};

/** Checks limits a caller made up: each is a positive number. */
export function checkLimits(limits: RelayLimits): RelayLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`relay limit ${name} must be a positive number, not ${String(value)}`);
  }
  return limits;
}

/** A token bucket holding one second of `rate` (bytes/s). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate;
    this.last = now();
  }

  /** Spends `n`; how long (ms) the spender must wait before the bucket is out of debt (0 within the rate). */
  take(n: number): number {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}
