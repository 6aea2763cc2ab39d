import type { Page } from 'playwright-core';
import { background, cpuMs, run, sleep } from './processes.js';
import { installProbe, pageCpuMs, probeChange, probeFrames, probeSettled, probeWhole, sampleScreen, type Region } from './probe.js';
import type { xtestKeyboard } from './xtest-keys.js';

export type Keyboard = Awaited<ReturnType<typeof xtestKeyboard>>;

export interface Viewer {
  readonly name: string;
  readonly page: Page;
  readonly canvas: string;
  /** Process of the novice's side: RA's novice, or x0vncserver. */
  readonly novicePid: number;
  bytes: number;
  /** When each message came (epoch milliseconds) and `bytes` then: what a picture cost until it was whole. */
  readonly received: [at: number, bytes: number][];
}

export interface Figures {
  keyMs: number[];
  seqMs: number[];
  seqBytes: number[];
  dragMs: number[];
  videoFps: number[];
  videoBytesPerSecond: number[];
  /** A typed character while the video plays. */
  videoKeyMs: number[];
  /** The novice's CPU per second of video. */
  videoNoviceCpuMs: number[];
  firstWholeMs: number[];
  /** From the canvas being there (the page loaded) to the whole picture: the stream's part alone. */
  streamWholeMs: number[];
  /** Bytes until the picture was whole, as the issue counts them; the exact top-off follows. */
  firstBytes: number[];
  /** The novice's CPU from the reload until the picture was exact. */
  firstNoviceCpuMs: number[];
  exactMs: number[];
  noviceCpuPerKeyMs: number[];
  pageCpuPerKeyMs: number[];
}

export const noFigures = (): Figures => ({
  keyMs: [],
  seqMs: [],
  seqBytes: [],
  dragMs: [],
  videoFps: [],
  videoBytesPerSecond: [],
  videoKeyMs: [],
  videoNoviceCpuMs: [],
  firstWholeMs: [],
  streamWholeMs: [],
  firstBytes: [],
  firstNoviceCpuMs: [],
  exactMs: [],
  noviceCpuPerKeyMs: [],
  pageCpuPerKeyMs: [],
});

export const W = 1920;
export const H = 1080;
const KEYS = 10;
/** The xterm (`-geometry 100x30+40+40`): its first text row, where typed characters appear after `clear`, and all of it. */
export const TERM_AT = { x: 40, y: 40 };
const LINE: Region = { x: 40, y: 40, width: 700, height: 24 };
const TERM: Region = { x: 40, y: 40, width: 700, height: 420 };
const DRAG_STEPS = 20;
const DRAG_PX = 16;
/** The video: a 640×400 test pattern at 30 frames a second, clear of the xterm and its drag. */
const VIDEO: Region = { x: 1180, y: 560, width: 640, height: 400 };
const VIDEO_MS = 4000;

const now = () => performance.timeOrigin + performance.now();
const xdo = (display: string, ...args: string[]) => run('xdotool', args, { env: { ...process.env, DISPLAY: display } });

/** The bench's xterm window. */
async function xterm(display: string): Promise<number> {
  return Number((await xdo(display, 'search', '--name', 'labterm')).stdout.trim().split('\n')[0]);
}

/** Each viewer's time from `act` until its canvas changes in `region`. */
async function timed(viewers: readonly Viewer[], region: Region, act: () => Promise<void>): Promise<number[]> {
  const probes = await Promise.all(viewers.map((v) => probeChange(v.page, v.canvas, region)));
  const t = now();
  await act();
  const seen = await Promise.all(probes.map((p) => p()));
  return seen.map((s) => s - t);
}

/** Typing, `seq 1 200`, a window drag and a video, both viewers watching each at once. */
export async function trial(viewers: readonly Viewer[], display: string, keyboard: Keyboard, figures: Map<string, Figures>): Promise<void> {
  const add = (key: keyof Figures, values: number[]) => viewers.forEach((v, i) => figures.get(v.name)![key].push(values[i]));
  // A typed character: key to canvas. The pointer gives the xterm the keyboard.
  await xdo(display, 'mousemove', '300', '200');
  await xdo(display, 'type', '--delay', '0', 'clear');
  await xdo(display, 'key', 'Return');
  await sleep(600);
  const cpu = viewers.map((v) => cpuMs(v.novicePid));
  const page = await Promise.all(viewers.map((v) => pageCpuMs(v.page)));
  for (let k = 0; k < KEYS; k++) {
    add('keyMs', await timed(viewers, LINE, () => keyboard.press(String.fromCharCode(0x61 + k))));
    await sleep(150);
  }
  add(
    'noviceCpuPerKeyMs',
    viewers.map((v, i) => (cpuMs(v.novicePid) - cpu[i]) / KEYS),
  );
  add('pageCpuPerKeyMs', await Promise.all(viewers.map(async (v, i) => ((await pageCpuMs(v.page)) - page[i]) / KEYS)));
  // `seq 1 200`: from Return until each canvas is still for 300 ms.
  await xdo(display, 'key', 'ctrl+u');
  await xdo(display, 'type', '--delay', '0', 'seq 1 200');
  await sleep(500);
  const bytes = viewers.map((v) => v.bytes);
  const settled = await Promise.all(viewers.map((v) => probeSettled(v.page, v.canvas, TERM, 300)));
  const t = now();
  await xdo(display, 'key', 'Return');
  const last = await Promise.all(settled.map((p) => p()));
  add(
    'seqMs',
    last.map((l) => l - t),
  );
  add(
    'seqBytes',
    viewers.map((v, i) => v.bytes - bytes[i]),
  );
  await drag(viewers, display, keyboard, add);
  await video(viewers, display, keyboard, add);
}

/** The xterm dragged 20 steps: from each move until each canvas changes where the window was and went. */
async function drag(viewers: readonly Viewer[], display: string, keyboard: Keyboard, add: (key: keyof Figures, v: number[]) => void): Promise<void> {
  const window = await xterm(display);
  for (let s = 1; s <= DRAG_STEPS; s++) {
    const x = TERM_AT.x + DRAG_PX * s;
    add('dragMs', await timed(viewers, { ...TERM, x: x - DRAG_PX, width: TERM.width + DRAG_PX }, () => keyboard.move(window, x, TERM_AT.y)));
    await sleep(30);
  }
  await keyboard.move(window, TERM_AT.x, TERM_AT.y);
  await sleep(800);
}

/** A 640×400 video for 4 s: frames each viewer showed, its bytes and the novice's CPU; characters typed meanwhile. */
async function video(viewers: readonly Viewer[], display: string, keyboard: Keyboard, add: (key: keyof Figures, v: number[]) => void): Promise<void> {
  const player = background(
    'ffplay',
    [
      ...['-loglevel', 'error', '-an', '-noborder', '-left', String(VIDEO.x), '-top', String(VIDEO.y)],
      ...['-f', 'lavfi', '-i', `testsrc2=s=${VIDEO.width}x${VIDEO.height}:r=30`],
    ],
    { ...process.env, DISPLAY: display },
  );
  try {
    // The player takes the keyboard once its window maps: then the xterm gets it back, its prompt on the row the probes watch.
    await xdo(display, 'search', '--sync', '--name', 'testsrc2');
    await xdo(display, 'search', '--name', 'labterm', 'windowfocus');
    await xdo(display, 'type', '--delay', '0', 'clear');
    await xdo(display, 'key', 'Return');
    await sleep(1000);
    const bytes = viewers.map((v) => v.bytes);
    const cpu = viewers.map((v) => cpuMs(v.novicePid));
    const counting = await Promise.all(viewers.map((v) => probeFrames(v.page, v.canvas, VIDEO, VIDEO_MS)));
    const started = now();
    for (let k = 0; k < 5; k++) {
      await sleep(400);
      add('videoKeyMs', await timed(viewers, LINE, () => keyboard.press(String.fromCharCode(0x61 + k))));
    }
    const frames = await Promise.all(counting.map((c) => c()));
    const seconds = (now() - started) / 1000;
    add(
      'videoFps',
      frames.map((f) => f / (VIDEO_MS / 1000)),
    );
    add(
      'videoBytesPerSecond',
      viewers.map((v, i) => (v.bytes - bytes[i]) / seconds),
    );
    add(
      'videoNoviceCpuMs',
      viewers.map((v, i) => (cpuMs(v.novicePid) - cpu[i]) / seconds),
    );
  } finally {
    await player.stop();
  }
  await xdo(display, 'key', 'ctrl+u');
  await sleep(800);
}

/** A desktop that has been still this long before a viewer joins, as a helper who reloads mostly finds it. */
const STILL_MS = 1500;

/** A viewer joining: the page reloads, and the whole screen must come again. */
export async function firstPicture(viewer: Viewer, display: string, figures: Figures): Promise<void> {
  // The novice's CPU counts from before the still spell: what RA encodes ahead during it is part of the picture's cost.
  const cpu = cpuMs(viewer.novicePid);
  await sleep(STILL_MS);
  // Sampled before: the desktop is still, and the probe then watches the page from its first moment.
  const samples = await sampleScreen(display, W, H);
  const before = viewer.bytes;
  const t = now();
  await viewer.page.reload({ waitUntil: 'commit' });
  await installProbe(viewer.page);
  const probe = await probeWhole(viewer.page, viewer.canvas, samples);
  await viewer.page.locator(viewer.canvas).waitFor({ timeout: 30_000 });
  const canvasAt = now();
  const { whole, exact } = await probe();
  figures.firstWholeMs.push(whole - t);
  figures.streamWholeMs.push(whole - canvasAt);
  figures.exactMs.push(exact - t);
  figures.firstBytes.push((viewer.received.findLast(([at]) => at <= whole)?.[1] ?? before) - before);
  figures.firstNoviceCpuMs.push(cpuMs(viewer.novicePid) - cpu);
}
