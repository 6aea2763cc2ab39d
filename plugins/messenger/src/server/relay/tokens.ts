import { createHash, randomBytes } from 'node:crypto';
import { RELAY_TOKEN_MS } from '../../common/protocol.js';

/** Who a relay token is for: one side of one session, bound to the account it was granted to. */
export interface RelayTicket {
  readonly session: string;
  readonly side: 'novice' | 'helper';
  readonly user: string;
}

export class RelayTokenError extends Error {}

/**
 * One-time relay tokens (TURN REST's idea, kept in memory): 32 random bytes, single use, side-bound,
 * expiring after `ttlMs`. Only their SHA-256 is kept, so a dump of the map lets nobody in.
 */
export class RelayTokens {
  private readonly live = new Map<string, RelayTicket & { expires: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; max?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? RELAY_TOKEN_MS;
    this.max = options.max ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  mint(ticket: RelayTicket): string {
    this.sweep();
    if (this.live.size >= this.max) throw new RelayTokenError('busy: too many relays are being set up on this server; try again in a minute');
    const token = randomBytes(32).toString('base64url');
    this.live.set(hash(token), { ...ticket, expires: this.now() + this.ttlMs });
    return token;
  }

  take(token: string): RelayTicket {
    const key = hash(token);
    const entry = this.live.get(key);
    this.live.delete(key);
    if (!entry) throw new RelayTokenError('the relay token is unknown or was already used');
    if (entry.expires <= this.now()) throw new RelayTokenError('the relay token expired');
    return { session: entry.session, side: entry.side, user: entry.user };
  }

  get size(): number {
    return this.live.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.live) if (entry.expires <= now) this.live.delete(key);
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
