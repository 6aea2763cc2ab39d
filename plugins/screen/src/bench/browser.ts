/**
 * `npm run bench:screen -- --browser [--shaped]`: RA's helper page against noVNC (Debian's novnc + websockify in front
 * of x0vncserver) in one headless Chromium, on one 1920×1080 Xvfb, trials interleaved (both pages watch the same
 * change at once). A plain and a photo-like desktop. Times are read in each page: a probe polls the canvas for the
 * change. `--shaped` puts the novice's side (RA's novice; x0vncserver and websockify) behind a link of 10 Mbit/s and
 * 40 ms round trip (`tc netem` in a network namespace the bench makes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startXvfb, type Xvfb } from '@ra/host/xvfb';
import { chromium, type Browser } from 'playwright-core';
import { ShapedLink, showPhoto } from '@ra/test-kit';
import { background, median, run, sleep, x0vncserver } from './processes.js';
import { installProbe } from './probe.js';
import { requestSession, startRa, type RaProcess } from './ra-pair.js';
import { firstPicture, H, noFigures, TERM_AT, trial, W, type Figures, type Viewer } from './scenes.js';
import { xtestKeyboard } from './xtest-keys.js';

const TRIALS = Number(process.env.RA_BENCH_TRIALS ?? 5);

async function desktop(kind: 'plain' | 'photo', work: string): Promise<{ xvfb: Xvfb; stop(): Promise<void> }> {
  const xvfb = await startXvfb({ width: W, height: H });
  const photo = kind === 'photo' ? await showPhoto(xvfb.display, join(work, 'photo.xwd'), W, H) : undefined;
  if (kind === 'plain') await run('xsetroot', ['-solid', '#3a6ea5'], { env: { ...process.env, DISPLAY: xvfb.display } });
  await sleep(500);
  xvfb.spawn('xterm', ['-geometry', `100x30+${TERM_AT.x}+${TERM_AT.y}`, '-title', 'labterm', '-e', 'bash', '--norc', '--noprofile']);
  await sleep(1000);
  return {
    xvfb,
    stop: async () => {
      photo?.kill();
      await xvfb.stop();
    },
  };
}

/** The helper's page in a session with the novice, RA's own way. */
async function raViewer(browser: Browser, work: string, display: string, link?: ShapedLink): Promise<{ viewer: Viewer; novice: RaProcess; helper: RaProcess }> {
  const reach = await link?.reach(24690);
  const novice = await startRa(work, 'novice', 24690, display, link, reach && [`${reach.host}:${reach.port}`]);
  const helper = await startRa(work, 'helper', 24691, display).catch(async (e: Error) => {
    await novice.stop();
    throw e;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const viewer: Viewer = { name: 'RA', page, canvas: 'canvas#ra-screen', novicePid: novice.child.pid!, bytes: 0, received: [] };
    count(viewer);
    await page.goto(helper.url);
    const pending = await requestSession(work, novice, helper);
    await novice.api('POST', `/api/sessions/${pending.id}/accept`);
    await page.locator('canvas#ra-screen[data-exact="true"]').waitFor({ timeout: 30_000 });
    return { viewer, novice, helper };
  } catch (e) {
    await helper.stop();
    await novice.stop();
    throw e;
  }
}

async function vncViewer(browser: Browser, display: string, link?: ShapedLink): Promise<{ viewer: Viewer; stop(): Promise<void> }> {
  const server = x0vncserver(display, 5997, link);
  const proxy = link
    ? background(...link.wrap('websockify', ['--web', '/usr/share/novnc', '6097', '127.0.0.1:5997']))
    : background('websockify', ['--web', '/usr/share/novnc', '127.0.0.1:6097', '127.0.0.1:5997']);
  await sleep(1500);
  const { host, port } = (await link?.reach(6097)) ?? { host: '127.0.0.1', port: 6097 };
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const viewer: Viewer = { name: 'noVNC', page, canvas: '#screen canvas', novicePid: server.child.pid!, bytes: 0, received: [] };
  count(viewer);
  await page.goto(`http://${host}:${port}/vnc_lite.html?host=${host}&port=${port}&view_only=true`);
  await page.locator('#screen canvas').waitFor({ timeout: 30_000 });
  return {
    viewer,
    stop: async () => {
      await proxy.stop();
      await server.stop();
    },
  };
}

/** Counts the bytes each page's WebSockets receive: RA's live socket, noVNC's websockify. */
function count(viewer: Viewer): void {
  viewer.page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      viewer.bytes += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length;
      viewer.received.push([performance.timeOrigin + performance.now(), viewer.bytes]);
    }),
  );
}

function row(name: string, f: Figures): string {
  const p = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * q))];
  const r = (v: number) => Math.round(v * 10) / 10;
  const kib = (v: number) => Math.round(v / 1024);
  return [
    name,
    `${r(median(f.keyMs))} / ${r(p(f.keyMs, 0.95))} ms`,
    `${r(median(f.seqMs))} ms, ${kib(median(f.seqBytes))} KiB`,
    `${r(median(f.dragMs))} / ${r(p(f.dragMs, 0.95))} ms`,
    `${r(median(f.videoFps))} fps, ${kib(median(f.videoBytesPerSecond))} KiB/s, key ${r(median(f.videoKeyMs))} / ${r(p(f.videoKeyMs, 0.95))} ms, novice ${r(median(f.videoNoviceCpuMs) / 10)} %`,
    `${r(median(f.firstWholeMs))} ms (${r(median(f.streamWholeMs))} after the page was up), ${kib(median(f.firstBytes))} KiB`,
    `${r(median(f.exactMs))} ms`,
    `${r(median(f.noviceCpuPerKeyMs))} / ${r(median(f.pageCpuPerKeyMs))} ms, first picture ${r(median(f.firstNoviceCpuMs))} ms`,
  ].join(' | ');
}

async function required(): Promise<void> {
  for (const [tool, check] of [
    ['websockify', 'command -v websockify'],
    ['novnc', 'test -e /usr/share/novnc/vnc_lite.html'],
    ['chromium', 'command -v chromium'],
    ['X0tigervnc', 'command -v X0tigervnc'],
    ['ffplay (ffmpeg)', 'command -v ffplay'],
  ]) {
    await run('sh', ['-c', check]).catch(() => {
      throw new Error(`${tool} is missing; run scripts/install-system.sh all`);
    });
  }
}

export async function browserBench(): Promise<void> {
  await required();
  const shaped = process.argv.includes('--shaped');
  const work = await mkdtemp(join(tmpdir(), 'ra-bench-browser-'));
  const link = shaped ? await ShapedLink.start() : undefined;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const load = loadavg()[0];
  try {
    for (const kind of ['plain', 'photo'] as const) {
      const desk = await desktop(kind, work);
      const display = desk.xvfb.display;
      const ra = await raViewer(browser, join(work, kind), display, link);
      const vnc = await vncViewer(browser, display, link);
      const keyboard = await xtestKeyboard(display);
      const viewers = [ra.viewer, vnc.viewer];
      for (const v of viewers) await installProbe(v.page);
      const figures = new Map(viewers.map((v) => [v.name, noFigures()]));
      try {
        for (let i = 0; i < TRIALS; i++) {
          const order = i % 2 ? [...viewers].reverse() : viewers;
          await trial(order, display, keyboard, figures);
          for (const v of order) await firstPicture(v, display, figures.get(v.name)!);
        }
      } finally {
        keyboard.close();
        await vnc.stop();
        await ra.helper.stop();
        await ra.novice.stop();
        await desk.stop();
      }
      const over = link ? `a link of ${link.shape}` : 'loopback';
      console.log(
        `\n${kind} desktop, 1920×1080, over ${over}, ${TRIALS} trials interleaved (load average ${load.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} now)\n`,
      );
      console.log(
        '| Viewer | Key to canvas p50 / p95 | `seq 1 200`: until still, bytes | 20-step drag p50 / p95 | 640×400 video: frames, bytes, key p50 / p95, novice CPU | First picture: whole, bytes until whole | Bit-exact | Novice / page CPU per key; novice CPU for a first picture |',
      );
      console.log('|---|---|---|---|---|---|---|---|');
      for (const [name, f] of figures) console.log(`| ${row(name, f)} |`);
    }
  } finally {
    await browser.close();
    await link?.stop();
    await rm(work, { recursive: true, force: true });
  }
}
