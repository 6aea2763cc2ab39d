import { createHash, randomBytes } from 'node:crypto';
import { RELAY_TOKEN_MS } from '../../common/protocol.js';

/** Who a relay token is for: one side of one session, bound to the account it was granted to. */
export interface RelayTicket {
  readonly session: string;
  readonly side: 'novice' | 'helper';
  readonly user: string;
  /** The node both sides were sent to, when the messenger runs on several; another node forwards there. */
  readonly node?: string;
}

export class RelayTokenError extends Error {}

/** Where one-time relay tokens live: RelayTokens in one process, Redis across nodes. */
export interface RelayTokenStore {
  /** A new token for one side; throws RelayTokenError when too many are live. */
  mint(ticket: RelayTicket): Promise<string>;
  /** The ticket without using the token (to forward it to its node); undefined when unknown or expired. */
  peek(token: string): Promise<RelayTicket | undefined>;
  /** Uses the token up; throws RelayTokenError when it is unknown, used or expired. */
  take(token: string): Promise<RelayTicket>;
}

/**
 * One-time relay tokens (TURN REST's idea, kept in memory): 32 random bytes, single use, side-bound,
 * expiring after `ttlMs`. Only their SHA-256 is kept, so a dump of the map lets nobody in.
 */
export class RelayTokens implements RelayTokenStore {
  private readonly live = new Map<string, RelayTicket & { expires: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; max?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? RELAY_TOKEN_MS;
    this.max = options.max ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  async mint(ticket: RelayTicket): Promise<string> {
    this.sweep();
    if (this.live.size >= this.max) throw new RelayTokenError('busy: too many relays are being set up on this server; try again in a minute');
    const token = randomBytes(32).toString('base64url');
    this.live.set(hash(token), { ...ticket, expires: this.now() + this.ttlMs });
    return token;
  }

  async peek(token: string): Promise<RelayTicket | undefined> {
    const entry = this.live.get(hash(token));
    return entry && entry.expires > this.now() ? ticketOf(entry) : undefined;
  }

  async take(token: string): Promise<RelayTicket> {
    const key = hash(token);
    const entry = this.live.get(key);
    this.live.delete(key);
    if (!entry) throw new RelayTokenError('the relay token is unknown or was already used');
    if (entry.expires <= this.now()) throw new RelayTokenError('the relay token expired');
    return ticketOf(entry);
  }

  get size(): number {
    return this.live.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.live) if (entry.expires <= now) this.live.delete(key);
  }
}

function ticketOf(entry: RelayTicket): RelayTicket {
  return { session: entry.session, side: entry.side, user: entry.user, ...(entry.node ? { node: entry.node } : {}) };
}

export function hash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
