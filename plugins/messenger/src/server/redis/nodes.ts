import { lookup } from 'node:dns/promises';
import type { RelayCluster } from '../relay/forward.js';
import type { RelayTrust } from '../../node/paths/trust.js';
import { NODE_DEAD_MS } from '../report.js';
import { REAP } from './bus.js';
import type { RedisLink } from './link.js';

const BEAT_MS = 2000;
const NODES = 'ra:nodes';

/** One node as the registry keeps it; `beat` and the counts change at every heartbeat. */
export interface NodeEntry {
  readonly id: string;
  /** Where clients reach it, and where the other nodes do (to forward relays). */
  readonly public: string;
  readonly internal: string;
  readonly port: number;
  readonly relayPort: number;
  readonly started: number;
  readonly beat: number;
  readonly clients: number;
  readonly signedIn: number;
  readonly relays: number;
  readonly waiting: number;
}

export type NodeStats = Pick<NodeEntry, 'clients' | 'signedIn' | 'relays' | 'waiting'>;

/**
 * The node registry: each node writes its entry every 2 s (LiveKit's pattern). A node not heard from for
 * 10 s is dead: the first node to claim `ra:reap:<id>` removes its devices from everyone's presence and
 * has their contacts told, so a killed node's users show offline within ~12 s, then online again as their
 * clients reconnect elsewhere. It also tells the relay where the other nodes are.
 */
export class NodeRegistry implements RelayCluster {
  private timer?: NodeJS.Timeout;
  private live: NodeEntry[] = [];
  private addresses = new Set<string>();
  private stats: () => NodeStats = () => ({ clients: 0, signedIn: 0, relays: 0, waiting: 0 });
  private readonly started: number;

  constructor(
    private readonly link: RedisLink,
    readonly node: string,
    /** Where the node is reached; its ports are known once it listens. */
    private readonly place: () => Pick<NodeEntry, 'public' | 'internal' | 'port' | 'relayPort'>,
    readonly trust: RelayTrust,
    /** Tells the contacts of a user whose devices on a dead node were removed. */
    private readonly announce: (user: string) => Promise<void>,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  async start(stats: () => NodeStats): Promise<void> {
    this.stats = stats;
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => undefined), BEAT_MS);
    this.timer.unref();
  }

  nodes(): readonly NodeEntry[] {
    return this.live;
  }

  locate(node: string): { host: string; port: number } | undefined {
    const entry = this.live.find((n) => n.id === node);
    return entry && { host: entry.internal, port: entry.relayPort };
  }

  isNode(address: string): boolean {
    return this.addresses.has(address);
  }

  /** Leaves the registry: a node that stops cleanly is not waited for as a dead one. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.link.run((r) => r.hDel(NODES, this.node)).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    if (!this.link.up) return;
    const now = this.now();
    const entry: NodeEntry = { id: this.node, ...this.place(), started: this.started, ...this.stats(), beat: now };
    await this.link.run((r) => r.hSet(NODES, this.node, JSON.stringify(entry)));
    const entries = Object.values(await this.link.run((r) => r.hGetAll(NODES))).map((json) => JSON.parse(json) as NodeEntry);
    this.live = entries.filter((n) => now - n.beat < NODE_DEAD_MS);
    this.addresses = new Set((await Promise.all(this.live.map((n) => addressesOf(n.internal)))).flat());
    for (const dead of entries.filter((n) => now - n.beat >= NODE_DEAD_MS)) await this.reap(dead);
  }

  /** Removes a dead node's devices from presence (one node does it: the one that claims it) and tells their contacts. */
  private async reap(dead: NodeEntry): Promise<void> {
    const claimed = await this.link.run((r) => r.set(`ra:reap:${dead.id}`, this.node, { NX: true, EX: 30 }));
    if (!claimed) return;
    const users = await this.link.run((r) => r.sMembers(`ra:node:${dead.id}:users`));
    for (const user of users) {
      const removed = await this.link.run((r) => r.eval(REAP, { keys: [`ra:pres:${user}`], arguments: [dead.id] }));
      if (removed) await this.announce(user);
    }
    await this.link.run((r) => r.multi().del(`ra:node:${dead.id}:users`).hDel(NODES, dead.id).exec());
    this.log(
      `node ${dead.id} (${dead.public}:${dead.port}) stopped answering ${Math.round((this.now() - dead.beat) / 1000)} s ago: its ${users.length} users' devices there are offline`,
    );
  }
}

/** A node's internal address as the IP addresses its connections come from. */
async function addressesOf(host: string): Promise<string[]> {
  try {
    return [host, ...(await lookup(host, { all: true })).map((a) => a.address)];
  } catch {
    return [host];
  }
}
