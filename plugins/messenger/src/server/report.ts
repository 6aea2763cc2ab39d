import type { RedisLink } from './redis/link.js';

/** One node as `ra messenger status` shows it. */
export interface NodeReport {
  readonly id: string;
  /** Where clients reach it: host:port. */
  readonly address: string;
  readonly relayPort: number;
  /** ISO times. */
  readonly started: string;
  readonly beat: string;
  /** Whether its heartbeat is recent enough for the others to count it live. */
  readonly live: boolean;
  /** Connections, and of them signed in. */
  readonly clients: number;
  readonly signedIn: number;
  /** Relayed sessions it carries (paired pipes, forwarded ones among them) and sides waiting for their peer. */
  readonly relays: number;
  readonly waiting: number;
}

export interface RedisReport {
  readonly url: string;
  readonly up: boolean;
  readonly error?: string;
  readonly version?: string;
  readonly usedMemory?: string;
  readonly connectedClients?: number;
  readonly roundTripMs?: number;
  /** Whether Redis writes an append-only file: without it a Redis restart loses every account. */
  readonly appendOnly?: boolean;
}

export interface ClusterReport {
  readonly redis: RedisReport;
  readonly nodes: NodeReport[];
  readonly users?: number;
}

/** A node not heard from for this long is dead (the registry's rule). */
export const NODE_DEAD_MS = 10_000;

/** What Redis says of itself and of the nodes registered in it. */
export async function clusterReport(link: RedisLink, now = Date.now()): Promise<ClusterReport> {
  try {
    const started = process.hrtime.bigint();
    await link.run((r) => r.ping());
    const roundTripMs = Number(process.hrtime.bigint() - started) / 1e6;
    const info = parseInfo(await link.run((r) => r.info()));
    const [entries, users] = await Promise.all([link.run((r) => r.hGetAll('ra:nodes')), link.run((r) => r.sCard('ra:users'))]);
    const nodes = Object.values(entries)
      .map((text) => nodeReport(text, now))
      .filter((n) => n !== undefined)
      .sort((a, b) => a.address.localeCompare(b.address));
    const redis: RedisReport = {
      url: link.url,
      up: true,
      version: info.redis_version,
      usedMemory: info.used_memory_human,
      connectedClients: Number(info.connected_clients),
      roundTripMs: Math.round(roundTripMs * 100) / 100,
      appendOnly: info.aof_enabled === '1',
    };
    return { redis, nodes, users };
  } catch (e) {
    return { redis: { url: link.url, up: false, error: (e as Error).message }, nodes: [] };
  }
}

function nodeReport(text: string, now: number): NodeReport | undefined {
  try {
    const n = JSON.parse(text) as Record<string, unknown>;
    const beat = Number(n.beat);
    return {
      id: String(n.id),
      address: `${String(n.public)}:${Number(n.port)}`,
      relayPort: Number(n.relayPort),
      started: new Date(Number(n.started)).toISOString(),
      beat: new Date(beat).toISOString(),
      live: now - beat < NODE_DEAD_MS,
      clients: Number(n.clients ?? 0),
      signedIn: Number(n.signedIn ?? 0),
      relays: Number(n.relays ?? 0),
      waiting: Number(n.waiting ?? 0),
    };
  } catch {
    return undefined;
  }
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}
