/** How many helpers may be proving a password at once, in all and from one source address. */
export interface SlotLimits {
  readonly total: number;
  readonly perSource: number;
}

export const SLOT_LIMITS: SlotLimits = { total: 16, perSource: 4 };

interface Claim {
  readonly source: string;
  readonly evict: (why: string) => void;
}

/**
 * Handshake slots shared fairly between source addresses. A newcomer is never turned away:
 * when its source holds its share, that source's oldest handshake makes room; when all slots are
 * taken, the oldest of the source holding the most does. So sockets that only sit silent can keep
 * out neither a helper from elsewhere nor, for long, one from their own address.
 */
export class HandshakeSlots {
  /** Oldest first. */
  private readonly claims: Claim[] = [];

  constructor(private readonly limits: SlotLimits = SLOT_LIMITS) {}

  get active(): number {
    return this.claims.length;
  }

  /** Takes a slot for a handshake from `from`; `evict` ends that handshake if it must make room. Returns the release. */
  claim(from: string, evict: (why: string) => void): () => void {
    const source = sourceOf(from);
    const mine = this.claims.filter((c) => c.source === source);
    if (mine.length >= this.limits.perSource) {
      this.evict(mine[0], `more than ${this.limits.perSource} connections from ${source} were proving a password at once`);
    } else if (this.claims.length >= this.limits.total) {
      this.evict(this.busiest(), `more than ${this.limits.total} connections were proving a password at once`);
    }
    const claim = { source, evict };
    this.claims.push(claim);
    return () => this.remove(claim);
  }

  private busiest(): Claim {
    const counts = new Map<string, number>();
    for (const c of this.claims) counts.set(c.source, (counts.get(c.source) ?? 0) + 1);
    const most = Math.max(...counts.values());
    return this.claims.find((c) => counts.get(c.source) === most)!;
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
  if (!host.includes(':')) return host;
  const [head, tail = ''] = host.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
