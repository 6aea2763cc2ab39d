import { randomBytes } from 'node:crypto';
import { RELAY_TOKEN_MS } from '../../common/protocol.js';
import { hash, RelayTokenError, type RelayTicket, type RelayTokenStore } from '../relay/tokens.js';
import type { RedisLink } from './link.js';

/**
 * One-time relay tokens every node can check: `ra:rt:<sha256>` holds the ticket for RELAY_TOKEN_MS;
 * GETDEL uses it up, so of two nodes racing for one token exactly one gets it. Their number is bounded
 * by the rate of `session.request` per user (two per request) and their 60 s life, not by a count here.
 */
export class RedisRelayTokens implements RelayTokenStore {
  constructor(
    private readonly link: RedisLink,
    private readonly ttlMs = RELAY_TOKEN_MS,
  ) {}

  async mint(ticket: RelayTicket): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.link.run((r) => r.set(key(token), JSON.stringify(ticket), { PX: this.ttlMs }));
    return token;
  }

  async peek(token: string): Promise<RelayTicket | undefined> {
    const json = await this.link.run((r) => r.get(key(token)));
    return json ? (JSON.parse(json) as RelayTicket) : undefined;
  }

  async take(token: string): Promise<RelayTicket> {
    const json = await this.link.run((r) => r.getDel(key(token)));
    // An expired token is gone from Redis: it reads as unknown, which is what the client needs to hear.
    if (!json) throw new RelayTokenError('the relay token is unknown, expired or was already used');
    return JSON.parse(json) as RelayTicket;
  }
}

function key(token: string): string {
  return `ra:rt:${hash(token)}`;
}
