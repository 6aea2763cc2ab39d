/**
 * `npm run bench:screen -- --browser`: RA's helper page against noVNC (Debian's novnc + websockify in front of
 * x0vncserver) in one headless Chromium, on one 1920×1080 Xvfb, trials interleaved (both pages watch the same change
 * at once). A plain and a photo-like desktop. Times are read in each page: a probe polls the canvas for the change.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startXvfb, type Xvfb } from '@ra/host/xvfb';
import { chromium, type Browser, type Page } from 'playwright-core';
import { background, cpuMs, median, run, sleep, x0vncserver } from './processes.js';
import { requestSession, startRa, type RaProcess } from './ra-pair.js';
import { showPhoto } from '@ra/test-kit';
import { xtestKeyboard } from './xtest-keys.js';

import { installProbe, pageCpuMs, probeChange, probeSettled, probeWhole, type Region } from './probe.js';

type Keyboard = Awaited<ReturnType<typeof xtestKeyboard>>;

const W = 1920;
const H = 1080;
const TRIALS = Number(process.env.RA_BENCH_TRIALS ?? 5);
const KEYS = 10;
/** The xterm's first text row, where typed characters appear after `clear`. */
const LINE: Region = { x: 40, y: 40, width: 700, height: 24 };
const TERM: Region = { x: 40, y: 40, width: 700, height: 420 };

interface Viewer {
  readonly name: string;
  readonly page: Page;
  readonly canvas: string;
  /** Process of the novice's side: RA's novice, or x0vncserver. */
  readonly novicePid: number;
  bytes: number;
}

interface Figures {
  keyMs: number[];
  seqMs: number[];
  seqBytes: number[];
  firstWholeMs: number[];
  /** From the canvas being there (the page loaded) to the whole picture: the stream's part alone. */
  streamWholeMs: number[];
  firstBytes: number[];
  exactMs: number[];
  noviceCpuPerKeyMs: number[];
  pageCpuPerKeyMs: number[];
}

const xdo = (display: string, ...args: string[]) => run('xdotool', args, { env: { ...process.env, DISPLAY: display } });

async function desktop(kind: 'plain' | 'photo', work: string): Promise<{ xvfb: Xvfb; stop(): Promise<void> }> {
  const xvfb = await startXvfb({ width: W, height: H });
  const photo = kind === 'photo' ? await showPhoto(xvfb.display, join(work, 'photo.xwd'), W, H) : undefined;
  if (kind === 'plain') await run('xsetroot', ['-solid', '#3a6ea5'], { env: { ...process.env, DISPLAY: xvfb.display } });
  await sleep(500);
  xvfb.spawn('xterm', ['-geometry', '100x30+40+40', '-title', 'labterm', '-e', 'bash', '--norc', '--noprofile']);
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
async function raViewer(browser: Browser, work: string, display: string): Promise<{ viewer: Viewer; novice: RaProcess; helper: RaProcess }> {
  const novice = await startRa(work, 'novice', 34690, display);
  const helper = await startRa(work, 'helper', 34691, display).catch(async (e: Error) => {
    await novice.stop();
    throw e;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const viewer: Viewer = { name: 'RA', page, canvas: 'canvas#ra-screen', novicePid: novice.child.pid!, bytes: 0 };
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

async function vncViewer(browser: Browser, display: string): Promise<{ viewer: Viewer; stop(): Promise<void> }> {
  const server = x0vncserver(display, 5997);
  const proxy = background('websockify', ['--web', '/usr/share/novnc', '6097', '127.0.0.1:5997']);
  await sleep(1500);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const viewer: Viewer = { name: 'noVNC', page, canvas: '#screen canvas', novicePid: server.child.pid!, bytes: 0 };
  count(viewer);
  await page.goto('http://127.0.0.1:6097/vnc_lite.html?host=127.0.0.1&port=6097&view_only=true');
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
    ws.on('framereceived', (f) => (viewer.bytes += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length)),
  );
}

async function trial(viewers: readonly Viewer[], display: string, keyboard: Keyboard, figures: Map<string, Figures>): Promise<void> {
  // A typed character: key to canvas, both pages probing the same line. The pointer gives the xterm the keyboard.
  await xdo(display, 'mousemove', '300', '200');
  await xdo(display, 'type', '--delay', '0', 'clear');
  await xdo(display, 'key', 'Return');
  await sleep(600);
  const cpu = viewers.map((v) => ({ novice: cpuMs(v.novicePid), page: 0 }));
  for (const [i, v] of viewers.entries()) cpu[i].page = await pageCpuMs(v.page);
  for (let k = 0; k < KEYS; k++) {
    const probes = await Promise.all(viewers.map((v) => probeChange(v.page, v.canvas, LINE)));
    const t = performance.timeOrigin + performance.now();
    await keyboard.press(String.fromCharCode(0x61 + k));
    const seen = await Promise.all(probes.map((p) => p()));
    viewers.forEach((v, i) => figures.get(v.name)!.keyMs.push(seen[i] - t));
    await sleep(150);
  }
  for (const [i, v] of viewers.entries()) {
    figures.get(v.name)!.noviceCpuPerKeyMs.push((cpuMs(v.novicePid) - cpu[i].novice) / KEYS);
    figures.get(v.name)!.pageCpuPerKeyMs.push(((await pageCpuMs(v.page)) - cpu[i].page) / KEYS);
  }
  // `seq 1 200`: from Return until each canvas is still for 300 ms.
  await xdo(display, 'key', 'ctrl+u');
  await xdo(display, 'type', '--delay', '0', 'seq 1 200');
  await sleep(500);
  const bytes = viewers.map((v) => v.bytes);
  const settled = await Promise.all(viewers.map((v) => probeSettled(v.page, v.canvas, TERM, 300)));
  const t = performance.timeOrigin + performance.now();
  await xdo(display, 'key', 'Return');
  const last = await Promise.all(settled.map((p) => p()));
  viewers.forEach((v, i) => {
    figures.get(v.name)!.seqMs.push(last[i] - t);
    figures.get(v.name)!.seqBytes.push(v.bytes - bytes[i]);
  });
}

/** A viewer joining: the page reloads, and the whole screen must come again. */
async function firstPicture(viewer: Viewer, display: string, figures: Figures): Promise<void> {
  const before = viewer.bytes;
  const t = performance.timeOrigin + performance.now();
  await viewer.page.reload();
  await viewer.page.locator(viewer.canvas).waitFor({ timeout: 30_000 });
  const canvasAt = performance.timeOrigin + performance.now();
  await installProbe(viewer.page);
  const { whole, exact } = await probeWhole(viewer.page, viewer.canvas, display, W, H);
  figures.firstWholeMs.push(whole - t);
  figures.streamWholeMs.push(whole - canvasAt);
  figures.exactMs.push(exact - t);
  figures.firstBytes.push(viewer.bytes - before);
}

function row(name: string, f: Figures): string {
  const p = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * q))];
  const r = (v: number) => Math.round(v * 10) / 10;
  return `| ${name} | ${r(median(f.keyMs))} / ${r(p(f.keyMs, 0.95))} ms | ${r(median(f.seqMs))} ms, ${Math.round(median(f.seqBytes) / 1024)} KiB | ${r(median(f.firstWholeMs))} ms (${r(median(f.streamWholeMs))} ms after the page was up), ${Math.round(median(f.firstBytes) / 1024)} KiB | ${r(median(f.exactMs))} ms | ${r(median(f.noviceCpuPerKeyMs))} / ${r(median(f.pageCpuPerKeyMs))} ms |`;
}

export async function browserBench(): Promise<void> {
  for (const [tool, check] of [
    ['websockify', 'command -v websockify'],
    ['novnc', 'test -e /usr/share/novnc/vnc_lite.html'],
    ['chromium', 'command -v chromium'],
    ['X0tigervnc', 'command -v X0tigervnc'],
  ]) {
    await run('sh', ['-c', check]).catch(() => {
      throw new Error(`${tool} is missing; run scripts/install-system.sh`);
    });
  }
  const work = await mkdtemp(join(tmpdir(), 'ra-bench-browser-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const load = loadavg()[0];
  try {
    for (const kind of ['plain', 'photo'] as const) {
      const desk = await desktop(kind, work);
      const display = desk.xvfb.display;
      const ra = await raViewer(browser, join(work, kind), display);
      const vnc = await vncViewer(browser, display);
      const keyboard = await xtestKeyboard(display);
      const viewers = [ra.viewer, vnc.viewer];
      for (const v of viewers) await installProbe(v.page);
      const figures = new Map(
        viewers.map((v) => [
          v.name,
          {
            keyMs: [],
            seqMs: [],
            seqBytes: [],
            firstWholeMs: [],
            streamWholeMs: [],
            firstBytes: [],
            exactMs: [],
            noviceCpuPerKeyMs: [],
            pageCpuPerKeyMs: [],
          } as Figures,
        ]),
      );
      try {
        for (let i = 0; i < TRIALS; i++) {
          await trial(i % 2 ? [...viewers].reverse() : viewers, display, keyboard, figures);
          for (const v of i % 2 ? [...viewers].reverse() : viewers) await firstPicture(v, display, figures.get(v.name)!);
        }
      } finally {
        keyboard.close();
        await vnc.stop();
        await ra.helper.stop();
        await ra.novice.stop();
        await desk.stop();
      }
      console.log(
        `\n${kind} desktop, 1920×1080, ${TRIALS} trials interleaved (load average ${load.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} now)\n`,
      );
      console.log(
        '| Viewer | Key to canvas p50 / p95 | `seq 1 200`: until still, bytes | First picture: whole, bytes | Bit-exact | CPU per key: novice / page |',
      );
      console.log('|---|---|---|---|---|---|');
      for (const [name, f] of figures) console.log(row(name, f));
    }
  } finally {
    await browser.close();
    await rm(work, { recursive: true, force: true });
  }
}
