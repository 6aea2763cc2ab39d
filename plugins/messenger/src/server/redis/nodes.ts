import { lookup } from 'node:dns/promises';
import type { RelayCluster } from '../relay/forward.js';
import type { RelayTrust } from '../../node/paths/trust.js';
import { NODE_DEAD_MS } from '../report.js';
import { REAP } from './bus.js';
import type { RedisLink } from './link.js';

const BEAT_MS = 2000;
/** The others are looked at twice per beat: a dead node is reaped within 11 s of its last beat, not 12. */
const LOOK_MS = 1000;
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

/** What the registry asks of the node's messenger and bus, as callbacks: it imports neither. */
export interface NodePresence {
  /** Tells a user's contacts their presence anew: their devices on a dead node were removed. */
  announce(user: string): Promise<void>;
  /** This node had been taken for dead and its devices removed: it writes them again (RedisBus.rejoin). */
  rejoined(): Promise<void>;
}

/**
 * The node registry: each node writes its entry every 2 s (LiveKit's pattern). A node not heard from for
 * 10 s is dead: the first node to claim `ra:reap:<id>` removes its devices from everyone's presence and
 * has their contacts told, so a killed node's users show offline within ~11 s, then online again as their
 * clients reconnect elsewhere. It also tells the relay where the other nodes are.
 */
export class NodeRegistry implements RelayCluster {
  private timer?: NodeJS.Timeout;
  private live: NodeEntry[] = [];
  private addresses = new Set<string>();
  private stats: () => NodeStats = () => ({ clients: 0, signedIn: 0, relays: 0, waiting: 0 });
  private readonly started: number;
  /** When this node last wrote its beat; 0 before the first. */
  private lastBeat = 0;
  /** Others are not judged dead before this: a node that was itself out of touch gives them time to speak again. */
  private judgeFrom = 0;

  constructor(
    private readonly link: RedisLink,
    readonly node: string,
    /** Where the node is reached; its ports are known once it listens. */
    private readonly place: () => Pick<NodeEntry, 'public' | 'internal' | 'port' | 'relayPort'>,
    readonly trust: RelayTrust,
    private readonly presence: NodePresence,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  async start(stats: () => NodeStats): Promise<void> {
    this.stats = stats;
    await this.tick();
    this.timer = setInterval(() => void this.tick().catch(() => undefined), LOOK_MS);
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

  /** Stops beating, and nothing else: what a killed node leaves behind is for the others to reap. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Leaves the registry as a reaper would remove it: a node that stops cleanly is not waited for as a dead one. */
  async close(): Promise<void> {
    this.stop();
    await this.remove(this.node).catch(() => undefined);
  }

  /** Beats when it is time, then looks at the others and reaps the dead. */
  private async tick(): Promise<void> {
    if (!this.link.up) return;
    const now = this.now();
    const beating = now - this.lastBeat >= BEAT_MS - LOOK_MS / 2;
    if (beating) await this.beat(now);
    const entries = Object.values(await this.link.run((r) => r.hGetAll(NODES))).map((json) => JSON.parse(json) as NodeEntry);
    this.live = entries.filter((n) => now - n.beat < NODE_DEAD_MS);
    if (beating) this.addresses = new Set((await Promise.all(this.live.map((n) => addressesOf(n.internal)))).flat());
    if (now < this.judgeFrom) return;
    for (const dead of entries.filter((n) => now - n.beat >= NODE_DEAD_MS)) await this.reap(dead);
  }

  private async beat(now: number): Promise<void> {
    const entry: NodeEntry = { id: this.node, ...this.place(), started: this.started, ...this.stats(), beat: now };
    const added = await this.link.run((r) => r.hSet(NODES, this.node, JSON.stringify(entry)));
    // Redis away, or this process stalled: the others' beats are as old as ours, which proves nothing.
    if (now - this.lastBeat > 2 * BEAT_MS) this.judgeFrom = now + NODE_DEAD_MS;
    const rejoined = added > 0 && this.lastBeat > 0;
    this.lastBeat = now;
    if (rejoined) {
      this.log(`node ${this.node} had been taken for dead and its devices removed; writing them again`);
      await this.presence.rejoined();
    }
  }

  /** A dead node is removed by one node: the one that claims it. */
  private async reap(dead: NodeEntry): Promise<void> {
    const claimed = await this.link.run((r) => r.set(`ra:reap:${dead.id}`, this.node, { NX: true, EX: 30 }));
    if (!claimed) return;
    const users = await this.remove(dead.id);
    this.log(
      `node ${dead.id} (${dead.public}:${dead.port}) stopped answering ${Math.round((this.now() - dead.beat) / 1000)} s ago: its ${users} users' devices there are offline`,
    );
  }

  /** Removes a node's devices from presence and tells their contacts, then the node itself; returns how many users it held. */
  private async remove(node: string): Promise<number> {
    const users = await this.link.run((r) => r.sMembers(`ra:node:${node}:users`));
    for (const user of users) {
      const removed = await this.link.run((r) => r.eval(REAP, { keys: [`ra:pres:${user}`], arguments: [node] }));
      if (removed) await this.presence.announce(user);
    }
    await this.link.run((r) => r.multi().del(`ra:node:${node}:users`).hDel(NODES, node).exec());
    return users.length;
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
