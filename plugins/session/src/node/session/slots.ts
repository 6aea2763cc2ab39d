import { isIPv6 } from 'node:net';

/** How many helpers may be proving a password at once, in all and from one source address. */
export interface SlotLimits {
  readonly total: number;
  readonly perSource: number;
  /** A handshake that has spoken is safe from newcomers this long: a real helper proves its password well within it. */
  readonly graceMs: number;
}

export const SLOT_LIMITS: SlotLimits = { total: 16, perSource: 4, graceMs: 2000 };

/** A handshake holding a slot; it `spoke` once its first bytes came. */
export interface Slot {
  spoke(): void;
  release(): void;
}

interface Claim {
  readonly source: string;
  readonly since: number;
  spoken: boolean;
  readonly evict: (why: string) => void;
}

/**
 * Handshake slots shared fairly between source addresses. When a newcomer finds its source's
 * share or all slots taken, a handshake of the source holding the most makes room: a socket that
 * has said nothing yet, else one that has had its grace. A real helper speaks TLS at once, so
 * silent sockets keep out no helper, and no address keeps out another.
 */
export class HandshakeSlots {
  /** Oldest first. */
  private readonly claims: Claim[] = [];

  constructor(
    private readonly limits: SlotLimits = SLOT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get active(): number {
    return this.claims.length;
  }

  /** A slot for a handshake from `from`, or nothing when none can be freed; `evict` ends that handshake to make room. */
  claim(from: string, evict: (why: string) => void): Slot | undefined {
    const source = sourceOf(from);
    const mine = this.claims.filter((c) => c.source === source);
    if (mine.length >= this.limits.perSource) {
      const room = this.evictable(mine);
      if (!room) return undefined;
      this.evict(room, `more than ${this.limits.perSource} connections from ${source} were proving a password at once`);
    } else if (this.claims.length >= this.limits.total) {
      const room = this.evictable(this.busiest());
      if (!room) return undefined;
      this.evict(room, `more than ${this.limits.total} connections were proving a password at once`);
    }
    const claim: Claim = { source, since: this.now(), spoken: false, evict };
    this.claims.push(claim);
    return { spoke: () => void (claim.spoken = true), release: () => this.remove(claim) };
  }

  private evictable(claims: Claim[]): Claim | undefined {
    return claims.find((c) => !c.spoken) ?? claims.find((c) => this.now() - c.since >= this.limits.graceMs);
  }

  /** The claims of the source that holds the most. */
  private busiest(): Claim[] {
    const bySource = new Map<string, Claim[]>();
    for (const c of this.claims) bySource.set(c.source, [...(bySource.get(c.source) ?? []), c]);
    return [...bySource.values()].reduce((most, claims) => (claims.length > most.length ? claims : most));
  }

  private evict(claim: Claim, why: string): void {
    this.remove(claim);
    claim.evict(why);
  }

  private remove(claim: Claim): void {
    const at = this.claims.indexOf(claim);
    if (at >= 0) this.claims.splice(at, 1);
  }
}

/**
 * The source a connection counts against: its IPv4 address, or its IPv6 /64, which one
 * subscriber usually holds whole. `from` is `host:port` or `[v6]:port`; anything else counts as itself.
 */
export function sourceOf(from: string): string {
  const host = from.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]*)(:\d+)$/, '$1');
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (v4) return v4[1];
  if (!isIPv6(host)) return host;
  const [head, tail = ''] = host.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
