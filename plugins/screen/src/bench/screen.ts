/**
 * `npm run bench:screen`: RA's View Only stream against TigerVNC's x0vncserver on the same Xvfb
 * desktop, in one run, with the workload of ../shared/bench (a 40-character line typed into an
 * xterm, measured by its rfb-measure.js). RA is measured end to end: a real novice RA, a real
 * helper RA, and its live socket.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startXvfb, type Xvfb } from '@ra/host/xvfb';
import WebSocket from 'ws';
import { cpuMs, median, run, sleep, x0vncserver } from './processes.js';
import { browserBench } from './browser.js';
import { requestSession, startRa, type Api } from './ra-pair.js';
import { RaViewer } from './ra-viewer.js';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const BENCH = process.env.RA_BENCH_DIR ?? join(REPO, '..', 'shared', 'bench');
/** The bench desktop's display, once main() started it. */
let DISPLAY = '';
const TRIALS = 5;
const IDLE_MS = 10_000;
const inTerm = (r: { x: number; y: number }) => r.x < 700 && r.y < 420;

let seed = 4242;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const line = () => {
  let s = '# ';
  while (s.length < 40) s += 'abcdefghijklmnopqrstuvwxyz      '[Math.floor(rnd() * 32)];
  return s;
};

interface Row {
  server: string;
  initialBytes: number;
  initialMs: number;
  firstMs: number;
  lastMs: number;
  lineBytes: number;
  echoMs: number;
  idleCpu: number;
}

async function vnc(encoding: string, work: string): Promise<Row> {
  const server = x0vncserver(DISPLAY, 5998);
  try {
    await sleep(1000);
    const env = { ...process.env, DISPLAY, SERVER_PID: String(server.child.pid), IDLE_MS: String(IDLE_MS), TRIALS: String(TRIALS) };
    const { stdout } = await run('node', [join(BENCH, 'rfb-measure.js'), '5998', encoding, `x0vncserver-${encoding}`, '0'], {
      env,
      cwd: work,
      timeout: 180_000,
    });
    const r = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{'))!);
    return {
      server: `x0vncserver ${encoding.toUpperCase()}`,
      initialBytes: r.initial.bytes,
      initialMs: r.initial.ms,
      firstMs: r.typing.medianFirstUpdateMs,
      lastMs: r.typing.medianLastUpdateMs,
      lineBytes: r.typing.medianBytes,
      echoMs: r.echoKeyRttMs.median,
      idleCpu: r.serverIdleCpuPct,
    };
  } finally {
    await server.stop();
  }
}

async function ra(work: string): Promise<Row> {
  const novice = await startRa(work, 'novice', 24590, DISPLAY);
  const helper = await startRa(work, 'helper', 24591, DISPLAY);
  const viewer = new RaViewer();
  try {
    await viewer.connect(helper.url, helper.secret);
    const pending = await requestSession(work, novice, helper);
    const t0 = performance.now();
    await novice.api('POST', `/api/sessions/${pending.id}/accept`);
    while (viewer.completeAt === undefined) await sleep(5);
    const initialMs = viewer.completeAt - t0;
    await run('xdotool', ['mousemove', '300', '200'], { env: { ...process.env, DISPLAY } });
    await sleep(1000);
    const pid = novice.child.pid!;
    const c0 = cpuMs(pid);
    await sleep(IDLE_MS);
    const idleCpu = ((cpuMs(pid) - c0) / IDLE_MS) * 100;
    const trials: { first: number; last: number; bytes: number }[] = [];
    for (let i = 0; i < TRIALS; i++) {
      await run('xdotool', ['key', 'ctrl+u'], { env: { ...process.env, DISPLAY } });
      await sleep(800);
      const from = viewer.log.length;
      const t = performance.now();
      await run('xdotool', ['type', '--delay', '0', line()], { env: { ...process.env, DISPLAY } });
      let quietSince = performance.now();
      for (let n = viewer.log.length; performance.now() - quietSince < 700; await sleep(50)) {
        if (viewer.log.length !== n) [n, quietSince] = [viewer.log.length, performance.now()];
      }
      const ups = viewer.log.slice(from).filter((a) => a.event.type === 'update' && a.event.dirty.some(inTerm));
      if (ups.length) trials.push({ first: ups[0].t - t, last: ups[ups.length - 1].t - t, bytes: ups.reduce((s, a) => s + a.bytes, 0) });
    }
    const echoMs = await keyEcho(novice.api, helper.api, viewer, pending.id);
    escMs = await escToRevoke(novice.url, novice.secret);
    return {
      server: 'RA (this build)',
      initialBytes: viewer.initialBytes,
      initialMs: Math.round(initialMs * 10) / 10,
      firstMs: round(median(trials.map((x) => x.first))),
      lastMs: round(median(trials.map((x) => x.last))),
      lineBytes: median(trials.map((x) => x.bytes)),
      echoMs,
      idleCpu: Math.round(idleCpu * 100) / 100,
    };
  } finally {
    viewer.close();
    await helper.stop();
    await novice.stop();
  }
}

const round = (v: number) => Math.round(v * 10) / 10;
/** Measured in the RA run; printed under the table. */
let escMs = NaN;

/**
 * Key echo as rfb-measure.js does it: a key sent over the connection (the helper's control channel,
 * after the novice granted control) until the xterm's echo reaches the helper. Median of 10.
 */
async function keyEcho(noviceApi: Api, helperApi: Api, viewer: RaViewer, noviceSessionId: string): Promise<number> {
  const helperSession = ((await helperApi('GET', '/api/sessions')) as unknown as { id: string; state: string }[]).find((s) => s.state === 'open')!.id;
  await helperApi('POST', `/api/control/${helperSession}/request`);
  await sleep(200);
  await noviceApi('POST', `/api/control/${noviceSessionId}/answer`, { grant: true });
  await sleep(300);
  await run('xdotool', ['key', 'ctrl+u'], { env: { ...process.env, DISPLAY } });
  await sleep(500);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const key = String.fromCharCode(0x61 + i);
    const from = viewer.log.length;
    const t = performance.now();
    for (const kind of ['down', 'up'])
      viewer.post(helperSession, 'control', JSON.stringify({ t: 'key', event: { kind, key, code: `Key${key.toUpperCase()}` } }));
    while (performance.now() - t < 1000 && !viewer.log.slice(from).some((a) => a.event.type === 'update' && a.event.dirty.some(inTerm))) await sleep(1);
    const echo = viewer.log.slice(from).find((a) => a.event.type === 'update' && a.event.dirty.some(inTerm));
    if (echo) times.push(echo.t - t);
    await sleep(200);
  }
  await run('xdotool', ['key', 'ctrl+u'], { env: { ...process.env, DISPLAY } });
  return round(median(times));
}

/** From the `xdotool key Escape` call on the novice's display until the novice's RA reports control ended. */
async function escToRevoke(noviceUrl: string, noviceSecret: string): Promise<number> {
  const url = new URL('/api/control/live', noviceUrl);
  url.protocol = 'ws:';
  url.search = '';
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${noviceSecret}` } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const revoked = new Promise<number>((resolve) =>
    socket.on('message', (data) => {
      const views = JSON.parse(String(data)) as { phase: string }[];
      if (views.length && views.every((v) => v.phase === 'view-only')) resolve(performance.now());
    }),
  );
  await sleep(300);
  const t = performance.now();
  await run('xdotool', ['key', 'Escape'], { env: { ...process.env, DISPLAY } });
  const ms = (await revoked) - t;
  socket.close();
  return round(ms);
}

/** The desktop of ../shared/bench/start-desktop.sh, on a free display: 1920×1080 with an xterm, xclock and xeyes. */
async function startDesktop(): Promise<Xvfb> {
  const desktop = await startXvfb({ width: 1920, height: 1080 });
  desktop.spawn('xterm', ['-geometry', '100x30+40+40', '-title', 'labterm', '-e', 'bash', '--norc', '--noprofile']);
  desktop.spawn('xclock', ['-geometry', '200x200+1000+40', '-update', '60']);
  desktop.spawn('xeyes', ['-geometry', '200x150+1300+40']);
  await sleep(1000);
  return desktop;
}

async function main(): Promise<void> {
  if (!existsSync(join(BENCH, 'rfb-measure.js'))) throw new Error(`the VNC baseline scripts are not at ${BENCH}; set RA_BENCH_DIR to the shared/bench folder`);
  for (const tool of ['Xvfb', 'X0tigervnc', 'xdotool', 'xterm', 'xclock', 'xeyes']) {
    await run('sh', ['-c', `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} is missing; run scripts/install-system.sh`);
    });
  }
  const work = await mkdtemp(join(tmpdir(), 'ra-bench-'));
  const desktop = await startDesktop();
  DISPLAY = desktop.display;
  try {
    const rows = [await vnc('zrle', work), await vnc('tight', work), await ra(work)];
    console.log('\nScreen stream and key echo, 1920x1080 Xvfb desktop (xterm, xclock, xeyes), medians of', TRIALS, 'typed 40-char lines\n');
    console.log('| Server | Initial frame | Typed line: first / last update | Bytes per line | Key echo | CPU idle, 1 viewer |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.server} | ${r.initialBytes} B in ${r.initialMs} ms | ${r.firstMs} / ${r.lastMs} ms | ${r.lineBytes} B | ${r.echoMs} ms | ${r.idleCpu} % |`,
      );
    }
    console.log(`\nRA: Esc on the novice's display (xdotool call, its start-up included) until control ended: ${escMs} ms`);
  } finally {
    await desktop.stop();
    await rm(work, { recursive: true, force: true });
  }
}

const bench = process.argv.includes('--browser') ? browserBench : main;
bench().catch((e: Error) => {
  console.error(`bench:screen failed: ${e.message}`);
  process.exitCode = 1;
});
