import { UsageError, type CliContext } from '@ra/kernel';
import { RedisLink } from '../server/redis/link.js';
import { clusterReport, type ClusterReport } from '../server/report.js';

/**
 * `ra messenger status --redis URL`: the nodes of a scaled-out messenger as Redis knows them (address,
 * age, clients, relays, last heartbeat) and Redis's health. Exits 1 when Redis or every node is down.
 */
export async function clusterStatus(ctx: CliContext, url: string): Promise<void> {
  if (ctx.args.length > 1) throw new UsageError(`ra messenger status takes no words after it; got '${ctx.args[1]}'`);
  let link: RedisLink;
  try {
    link = await RedisLink.open(url, () => undefined);
  } catch (e) {
    process.exitCode = 1;
    return ctx.json ? ctx.printJson({ redis: { url, up: false, error: (e as Error).message }, nodes: [] }) : ctx.print(`Redis: DOWN: ${(e as Error).message}`);
  }
  let report: ClusterReport;
  try {
    report = await clusterReport(link);
  } finally {
    await link.close();
  }
  if (!report.redis.up || !report.nodes.some((n) => n.live)) process.exitCode = 1;
  if (ctx.json) return ctx.printJson(report);
  ctx.print(describe(report, ctx));
}

function describe({ redis, nodes, users }: ClusterReport, ctx: CliContext): string {
  if (!redis.up) return `Redis at ${redis.url}: DOWN: ${redis.error}`;
  const lines = [
    `Redis at ${redis.url}: up, version ${redis.version}, ${redis.usedMemory} used, ${redis.connectedClients} connections, round trip ${redis.roundTripMs} ms` +
      (redis.appendOnly ? '' : '; append-only file OFF: a Redis restart would lose every account'),
  ];
  if (!nodes.length) return [...lines, 'No messenger node is registered: start one with ra messenger serve --redis URL'].join('\n');
  const now = Date.now();
  const rows = nodes.map((n) => [
    n.id,
    n.address,
    String(n.relayPort),
    ctx.localTime(n.started),
    n.live ? `${Math.round((now - Date.parse(n.beat)) / 1000)} s ago` : `DEAD (${Math.round((now - Date.parse(n.beat)) / 1000)} s)`,
    `${n.signedIn}/${n.clients}`,
    `${n.relays} (+${n.waiting} waiting)`,
  ]);
  lines.push(ctx.table([['NODE', 'ADDRESS', 'RELAY PORT', 'STARTED', 'LAST BEAT', 'SIGNED IN/CLIENTS', 'RELAYS'], ...rows]));
  const live = nodes.filter((n) => n.live);
  const sum = (f: (n: (typeof nodes)[number]) => number) => live.reduce((total, n) => total + f(n), 0);
  lines.push(
    `${live.length} of ${nodes.length} nodes live, ${sum((n) => n.signedIn)} signed in, ${sum((n) => n.relays)} relayed sessions; ${users ?? 0} accounts`,
  );
  return lines.join('\n');
}
