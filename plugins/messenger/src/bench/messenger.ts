// `npm run bench:messenger [-- --clients N]`: the messenger scaled out, two real `ra messenger serve --redis`
// nodes on one real redis-server. Redis and both nodes are pinned to CPU 0, this load generator to CPU 1
// (taskset), so the figures measure the nodes, not the scheduler. Accounts and tokens are written straight
// into Redis (no scrypt for 10,000 sign-ins); everything after that goes through the nodes as clients do.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashToken } from '../server/accounts.js';
import { RedisLink } from '../server/redis/link.js';
import { RedisStore } from '../server/redis/store.js';
import { RedisRig } from '../server/testing/redis.js';
import { raEnv, serve, type Served } from '../server/testing/ra.js';
import { openRelay } from '../node/paths/index.js';
import { BenchClient, type Grant } from './bench-client.js';
import { cpuMs, Messenger, percentile, rssMiB, sleep } from './measure.js';
import { table } from './table.js';

const CLIENTS = Number(/--clients[= ](\d+)/.exec(process.argv.slice(2).join(' '))?.[1] ?? 10_000);
const CONTACTS = 4;
const PRESENCE_CHANGES = 200;
const SESSION_STARTS = 300;
const RELAYED = Math.min(1000, Math.floor(CLIENTS / 2));
const WINDOW_MS = 20_000;
const HASH = `scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$${Buffer.alloc(32, 7).toString('base64')}`;

const progress = (what: string) => process.stderr.write(`bench:messenger: ${what}\n`);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const pin = (cpu: number, pid: number) => execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
const loadBefore = loadavg();

pin(1, process.pid);
const redis = await RedisRig.start();
// Whatever happens to the bench, it leaves no server behind.
const children: number[] = [];
process.on('exit', () => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
children.push(redis.pid!);
pin(0, redis.pid!);
const env = await raEnv();
const nodes: Served[] = [];
for (let i = 0; i < 2; i++) {
  const data = await mkdtemp(join(tmpdir(), `ra-bench-node${i}-`));
  // Every client of the bench comes from 127.0.0.1, as through one load balancer.
  const args = ['--redis', redis.url, '--host', '127.0.0.1', '--public', '127.0.0.1', '--port', '0', '--relay-port', '0', '--data', data];
  nodes.push(await serve(env, [...args, '--per-address', String(CLIENTS + 100)]));
  children.push(nodes[i].child.pid!);
  pin(0, nodes[i].child.pid!);
}
const name = (i: number) => `u${String(i).padStart(5, '0')}`;
const nodeOf = (i: number) => i % 2;

// ---- accounts, tokens and contacts straight into Redis: each user is a contact of the 2 before and after (a ring) ----
progress(`writing ${CLIENTS} accounts into Redis`);
const link = await RedisLink.open(redis.url, () => undefined);
const store = new RedisStore(link);
for (let i = 0; i < CLIENTS; i += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, CLIENTS - i) }, async (_, k) => {
      const n = i + k;
      const now = Date.now();
      await store.addUser(
        { name: name(n), displayName: name(n), hash: HASH, created: now },
        { hash: hashToken(`token-${n}`), user: name(n), device: 'd', created: now, lastSeen: now },
      );
      const changes = [1, 2].flatMap((d) => {
        const m = (n + d) % CLIENTS;
        return [
          { owner: name(n), other: name(m), value: { state: 'mutual' as const } },
          { owner: name(m), other: name(n), value: { state: 'mutual' as const } },
        ];
      });
      await store.setRelations(changes);
    }),
  );
}
await link.close();

// ---- 10,000 clients signed in, half on each node, then idle ----
const baseline = nodes.map((n) => rssMiB(n.child.pid!));
progress(`signing in ${CLIENTS} clients`);
const clients: BenchClient[] = [];
const signInStarted = performance.now();
for (let i = 0; i < CLIENTS; i += 200) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(200, CLIENTS - i) }, (_, k) => BenchClient.signIn(nodes[nodeOf(i + k)].port, name(i + k), `token-${i + k}`)),
  );
  clients.push(...batch);
}
const signInSeconds = (performance.now() - signInStarted) / 1000;
await sleep(10_000);
const idle = nodes.map((n) => ({ rss: rssMiB(n.child.pid!), cpu: cpuMs(n.child.pid!) }));
await sleep(10_000);
const idleCpu = nodes.map((n, i) => ((cpuMs(n.child.pid!) - idle[i].cpu) / 10_000) * 100);

// ---- presence fan-out: a user goes busy; each online contact (on either node) hears it ----
progress('presence fan-out');
const fanout: number[] = [];
for (let k = 0; k < PRESENCE_CHANGES; k++) {
  const i = Math.floor((k * CLIENTS) / PRESENCE_CHANGES);
  const user = name(i);
  const watchers = [-2, -1, 1, 2].map((d) => clients[(i + d + CLIENTS) % CLIENTS]);
  const started = performance.now();
  const heard = watchers.map((w) => w.next((f) => f.type === 'presence' && f.user === user && f.presence === 'busy'));
  clients[i].send({ type: 'presence.set', state: 'busy' });
  for (const { at } of await Promise.all(heard)) fanout.push(at - started);
  clients[i].send({ type: 'presence.set', state: 'online' });
  await sleep(20);
}

// ---- the helper accepted: session.request until both sides hold their grant, same node and across nodes ----
progress('session starts');
const starts: Record<'same' | 'cross', number[]> = { same: [], cross: [] };
for (let k = 0; k < SESSION_STARTS * 2; k++) {
  const kind = k % 2 ? 'cross' : 'same';
  const helper = (k * 7) % CLIENTS;
  const novice = (helper + (kind === 'same' ? 2 : 1)) % CLIENTS;
  const started = performance.now();
  const theirs = clients[novice].next((f) => f.type === 'session.start' && f.peer === name(helper));
  const [mine] = await Promise.all([clients[helper].request({ type: 'session.request', to: name(novice), invitationId: `b${k}` }), theirs]);
  starts[kind].push(performance.now() - started);
  if (mine.type !== 'session.start') throw new Error(`session.request: ${JSON.stringify(mine)}`);
}

// ---- relayed sessions: both sides at the helper's node (half on each), 1 KiB echoed once a second each ----
progress(`${RELAYED} relayed sessions`);
const fingerprint = nodes[0].fingerprint;
/** Session k's helper: alternately on node 0 and node 1; its novice is the next user, a contact. */
const helperOf = (k: number) => 2 * k + (k % 2);
const target = (g: Grant) => ({ host: '127.0.0.1', tcpPort: g.relay.tcpPort, wsPort: g.relay.wsPort, token: g.relay.token, trust: { fingerprint } });
/** Asks for session `tag` between helper and novice and opens both sides of its relay. */
async function relayed(helper: number, tag: string) {
  const novice = (helper + 1) % CLIENTS;
  const theirs = clients[novice].next((f) => f.type === 'session.start' && f.invitationId === tag);
  const mine = (await clients[helper].request({ type: 'session.request', to: name(novice), invitationId: tag })) as Grant;
  if (mine.type !== 'session.start') throw new Error(`session.request: ${JSON.stringify(mine)}`);
  const grant = (await theirs).frame as Grant;
  return Promise.all([openRelay(target(mine), { timeoutMs: 30_000, via: 'tcp' }), openRelay(target(grant), { timeoutMs: 30_000, via: 'tcp' })]);
}
const sides: Messenger[] = [];
for (let k = 0; k < RELAYED; k += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, RELAYED - k) }, (_, j) => relayed(helperOf(k + j), `r${k + j}`)));
  for (const [a, b] of batch) sides.push(new Messenger(a.stream, 1024), new Messenger(b.stream, 1024));
}
const pingers = sides.filter((_, i) => i % 2 === 0);
const timers = pingers.map((side) => setTimeout(() => timers.push(setInterval(() => side.ping(), 1000)), Math.random() * 1000));
await sleep(5_000);
for (const side of sides) side.rtts.length = 0;
const relayCpu0 = nodes.map((n) => cpuMs(n.child.pid!));
const windowStart = performance.now();
await sleep(WINDOW_MS);
const windowMs = performance.now() - windowStart;
const relayCpu = nodes.map((n, i) => ((cpuMs(n.child.pid!) - relayCpu0[i]) / windowMs) * 100);
for (const timer of timers) clearInterval(timer);
const rtts = sides.flatMap((s) => s.rtts);
const relayRss = nodes.map((n) => rssMiB(n.child.pid!));

// ---- a node killed: its clients sign in on the other; its relayed sessions are asked for and paired again ----
progress('SIGKILL of node 1');
const orphans = clients.filter((_, i) => nodeOf(i) === 1);
const orphanSessions = Array.from({ length: RELAYED }, (_, k) => k).filter((k) => nodeOf(helperOf(k)) === 1);
const killed = performance.now();
process.kill(nodes[1].child.pid!, 'SIGKILL');
const backAt: number[] = [];
await Promise.all(
  orphans.map(async (c) => {
    await c.closed;
    await sleep(Math.random() * 200);
    await c.reconnect(nodes[0].port);
    backAt.push(performance.now() - killed);
  }),
);
// What the session layer does on resume: ask again through the messenger, meet at a live node's relay.
const sessionsBack: number[] = [];
await Promise.all(
  orphanSessions.slice(0, 100).map(async (k) => {
    const pair = await relayed(helperOf(k), `again${k}`);
    sessionsBack.push(performance.now() - killed);
    for (const p of pair) p.stream.destroy();
  }),
);

for (const side of sides) side.stream.destroy();
for (const c of clients) c.close();
process.kill(nodes[0].child.pid!, 'SIGTERM');
await once(nodes[0].child, 'exit');
await redis.stop();
const loadAfter = loadavg();

console.log(`\nmessenger bench: node ${process.version}, 2 nodes + Redis ${execFileSync('redis-server', ['--version']).toString().split(' ')[2]}`);
console.log('pinning: redis-server and both nodes on CPU 0 (taskset -pc 0), this load generator on CPU 1 (taskset -pc 1)');
console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);
console.log(`${CLIENTS} clients signed in (${CONTACTS} contacts each, half on each node) in ${fmt(signInSeconds)} s, then idle:`);
console.log(
  table(
    ['node', 'clients', 'RSS MiB before', 'RSS MiB signed in', 'MiB per 1,000 clients', 'idle CPU % of a core'],
    nodes.map((_, i) => [
      String(i),
      String(CLIENTS / 2),
      fmt(baseline[i], 0),
      fmt(idle[i].rss, 0),
      fmt(((idle[i].rss - baseline[i]) / (CLIENTS / 2)) * 1000, 1),
      fmt(idleCpu[i]),
    ]),
  ),
);
console.log(
  `\npresence fan-out, ${PRESENCE_CHANGES} changes × ${CONTACTS} contacts: p50 ${fmt(percentile(fanout, 50), 2)} ms, p99 ${fmt(percentile(fanout, 99), 2)} ms`,
);
console.log(
  `session.request → both grants (accepted → session start): same node p50 ${fmt(percentile(starts.same, 50), 2)} / p99 ${fmt(percentile(starts.same, 99), 2)} ms; ` +
    `across nodes p50 ${fmt(percentile(starts.cross, 50), 2)} / p99 ${fmt(percentile(starts.cross, 99), 2)} ms`,
);
console.log(
  `\n${RELAYED} relayed sessions, 1 KiB echoed once a second each way, ${WINDOW_MS / 1000} s: RTT p50 ${fmt(percentile(rtts, 50), 2)} ms, p99 ${fmt(percentile(rtts, 99), 2)} ms; ` +
    `node CPU ${relayCpu.map((c) => fmt(c)).join(' / ')} % of a core; RSS ${relayRss.map((r) => fmt(r, 0)).join(' / ')} MiB`,
);
console.log(
  `\nnode 1 killed (SIGKILL): its ${orphans.length} clients signed in on node 0 by p50 ${fmt(percentile(backAt, 50) / 1000, 2)} s, all by ${fmt(Math.max(...backAt) / 1000, 2)} s; ` +
    `100 of its ${orphanSessions.length} relayed sessions asked for and paired again by p50 ${fmt(percentile(sessionsBack, 50) / 1000, 2)} s, all by ${fmt(Math.max(...sessionsBack) / 1000, 2)} s`,
);
console.log(`\nload average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
console.log('targets: <= 512 MB per 10,000 idle clients per node; accept → start p99 <= 20 ms across nodes; recovery <= 60 s presence, <= 5 s sessions');
