// `npm run bench:relay`: what the messenger's relay adds to a connection, and what 1,000 relayed sessions
// cost it. The relay runs in its own process on CPU 0, this load generator on CPU 1 (when taskset exists):
// unpinned, the two fight for one core and p99 measures the scheduler instead.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { openRelay, type RelayPath } from '../node/paths/index.js';
import { throwawayCertificate } from '../server/relay/testing/certificates.js';
import { cpuMs, Messenger, percentile, roundTrips, rssMiB, sleep, throughput } from './measure.js';
import { table } from './table.js';

type Via = 'tcp' | 'websocket';
interface Ready {
  tcpPort: number;
  wsPort: number;
  fingerprint: string;
}

const MB = 1024 * 1024;
const SESSIONS = 1000;
const WARM_MS = 5_000;
const WINDOW_MS = 20_000;
const RTT_COUNT = 3000;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pinned = hasTaskset();
if (pinned) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
const loadBefore = loadavg();

const entry = fileURLToPath(new URL('./relay-server.js', import.meta.url));
const child: ChildProcess = fork(entry, [], { execArgv: ['--import', '@ra/test-kit/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
if (pinned) execFileSync('taskset', ['-pc', '0', String(child.pid)], { stdio: 'ignore' });
const [{ ready }] = (await once(child, 'message')) as [{ ready: Ready }];

async function grants(n: number): Promise<{ novice: string; helper: string }[]> {
  child.send({ grant: n });
  const [{ grants }] = (await once(child, 'message')) as [{ grants: { novice: string; helper: string }[] }];
  return grants;
}

async function relayStats(): Promise<{ paired: number; bytes: number }> {
  child.send({ stats: true });
  const [{ stats }] = (await once(child, 'message')) as [{ stats: { paired: number; bytes: number } }];
  return stats;
}

/** Opens both sides of a session. Grants come over IPC one request at a time: take them first, then open. */
async function relayed(via: Via, g?: { novice: string; helper: string }): Promise<[RelayPath, RelayPath]> {
  g ??= (await grants(1))[0];
  const target = { host: '127.0.0.1', tcpPort: ready.tcpPort, wsPort: ready.wsPort, trust: { fingerprint: ready.fingerprint } };
  return Promise.all([
    openRelay({ ...target, token: g.novice }, { timeoutMs: 30_000, via }),
    openRelay({ ...target, token: g.helper }, { timeoutMs: 30_000, via }),
  ]);
}

/** A direct TLS connection inside this process: the baseline the relay is compared with. */
async function direct(): Promise<{ client: TLSSocket; server: TLSSocket; close(): void }> {
  const cert = await throwawayCertificate({ rsa: true });
  const server = createTlsServer({ key: cert.key, cert: cert.cert });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const client = connectTls({ host: '127.0.0.1', port: (server.address() as { port: number }).port, rejectUnauthorized: false });
  await once(client, 'secureConnect');
  const [socket] = await accepted;
  return { client, server: socket, close: () => (client.destroy(), socket.destroy(), server.close()) };
}

const progress = (what: string) => process.stderr.write(`bench:relay: ${what}\n`);
const rows: string[][] = [];
const fmt = (n: number, digits = 2) => n.toFixed(digits);

// ---- one pair: round trips of 64 B and one stream's throughput ----
progress('direct TLS');
const base = await direct();
new Messenger(base.server, 64); // the far end: echoes
const baseRtt = await roundTrips(new Messenger(base.client, 64), RTT_COUNT);
base.close();
const baseline = await direct();
const baseMBs = await throughput(baseline.client, baseline.server, 512 * MB);
baseline.close();
rows.push(['direct TLS (baseline)', fmt(baseRtt.p50, 3), fmt(baseRtt.p99, 3), '', '', fmt(baseMBs, 0)]);

for (const via of ['tcp', 'websocket'] as const) {
  progress(`one pair, ${via}`);
  const [a, b] = await relayed(via);
  const far = new Messenger(b.stream, 64);
  const rtt = await roundTrips(new Messenger(a.stream, 64), RTT_COUNT);
  far.stream.destroy();
  a.stream.destroy();
  const [c, d] = await relayed(via);
  const mbs = await throughput(c.stream, d.stream, (via === 'tcp' ? 512 : 256) * MB);
  c.stream.destroy();
  d.stream.destroy();
  rows.push([
    `relay, ${via === 'tcp' ? 'raw TLS' : 'WebSocket'}`,
    fmt(rtt.p50, 3),
    fmt(rtt.p99, 3),
    fmt(rtt.p50 - baseRtt.p50, 3),
    fmt(rtt.p99 - baseRtt.p99, 3),
    fmt(mbs, 0),
  ]);
}

// ---- 1,000 paired sessions of 1 KiB messages: one side pings, the other echoes (1 message per second
// per side, the target), then both sides ping and echo (2 per side, for the headroom) ----
const loads: string[][] = [];

/** One steady window at `perSide` messages a second from each side: the relay's CPU, round trips, memory. */
async function window(via: Via, sides: Messenger[], perSide: 1 | 2): Promise<string[]> {
  // Pingers start at random phases, so the load is even over the second; with 1 per side, the novice
  // pings in half the sessions and the helper in the other half.
  const pingers = perSide === 2 ? sides : sides.filter((_, i) => i % 4 === 0 || i % 4 === 3);
  const timers: NodeJS.Timeout[] = [];
  pingers.forEach((side, i) => (timers[i] = setTimeout(() => (timers[i] = setInterval(() => side.ping(), 1000)), Math.random() * 1000)));
  await sleep(WARM_MS);
  for (const side of sides) side.rtts.length = 0;
  const [cpu0, self0, at0, stats0] = [cpuMs(child.pid!), cpuMs(process.pid), performance.now(), await relayStats()];
  await sleep(WINDOW_MS);
  const [cpu1, self1, at1, stats1] = [cpuMs(child.pid!), cpuMs(process.pid), performance.now(), await relayStats()];
  for (const timer of timers) clearInterval(timer);
  const rtts = sides.flatMap((side) => side.rtts);
  const seconds = (at1 - at0) / 1000;
  await sleep(1500); // the last echoes come home before the next window
  return [
    via === 'tcp' ? 'raw TLS' : 'WebSocket',
    String(perSide),
    String(stats1.paired),
    fmt(((cpu1 - cpu0) / (at1 - at0)) * 100, 1),
    fmt(((self1 - self0) / (at1 - at0)) * 100, 1),
    fmt(percentile(rtts, 50), 2),
    fmt(percentile(rtts, 99), 2),
    fmt((2 * rtts.length) / seconds, 0),
    fmt((stats1.bytes - stats0.bytes) / 1e6 / seconds, 2),
    fmt(rssMiB(child.pid!), 0),
  ];
}

for (const via of ['tcp', 'websocket'] as const) {
  progress(`${SESSIONS} sessions, ${via}`);
  const sides: Messenger[] = [];
  for (let opened = 0; opened < SESSIONS; opened += 50) {
    const batch = await Promise.all((await grants(50)).map((g) => relayed(via, g)));
    for (const [a, b] of batch) sides.push(new Messenger(a.stream, 1024), new Messenger(b.stream, 1024));
  }
  for (const perSide of [1, 2] as const) loads.push(await window(via, sides, perSide));
  for (const side of sides) side.stream.destroy();
  for (let i = 0; i < 100 && (await relayStats()).paired > 0; i++) await sleep(100);
}

child.send({ stop: true });
await once(child, 'exit');
const loadAfter = loadavg();

console.log(`\nrelay bench: node ${process.version}, ${pinned ? 'relay pinned to CPU 0, load generator to CPU 1' : 'not pinned (no taskset)'}`);
console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);
console.log(`one pair on 127.0.0.1, ${RTT_COUNT} round trips of 64 B, one stream of 64 KiB writes:`);
console.log(table(['path', 'RTT p50 ms', 'RTT p99 ms', 'added p50', 'added p99', 'MB/s'], rows));
console.log(`\n${SESSIONS} paired sessions, 1 KiB messages (pings and their echoes), ${WINDOW_MS / 1000} s window after ${WARM_MS / 1000} s:`);
const header = [
  'relay',
  'msg/s per side',
  'paired',
  'relay CPU % of a core',
  'generator CPU %',
  'RTT p50 ms',
  'RTT p99 ms',
  'messages relayed/s',
  'MB/s relayed',
  'relay RSS MiB',
];
console.log(table(header, loads));
console.log(`\nload average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
console.log('targets: added p50 <= 1 ms; 1,000 sessions <= 20 % of a core with p99 <= 10 ms');
