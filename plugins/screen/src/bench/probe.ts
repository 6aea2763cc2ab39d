import { screenshot } from '@ra/test-kit';
import type { CDPSession, Page } from 'playwright-core';

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Points of the screen sampled to know when a canvas shows all of it. */
const SAMPLES = 400;
/**
 * A viewer shows the screen "whole" (a coarse picture) once the samples' mean error is at most 10 per channel and
 * none is off by more than 160 (a blank part of the canvas shows in the mean): VP9 at crf 38 on the bench's noisy
 * photo averages 8.0 with rare pixels 140 off.
 */
export const WHOLE_TOLERANCE = 160;
const WHOLE_MEAN_ERROR = 10;

/**
 * Canvas probes run in the page: each polls the canvas (every ~1 ms, off animation frames, so neither viewer's
 * painting schedule is favoured) and answers in epoch milliseconds (`timeOrigin + now`), comparable with the bench's.
 */
export async function installProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const read = (selector: string, r: { x: number; y: number; width: number; height: number }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(selector);
      return canvas?.width ? new Uint32Array(canvas.getContext('2d')!.getImageData(r.x, r.y, r.width, r.height).data.buffer) : undefined;
    };
    // A plain loop over whole pixels: \`some\` with a closure per byte took most of the page's main thread from what it measures.
    const differ = (a: Uint32Array, b: Uint32Array) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true;
      return false;
    };
    const now = () => performance.timeOrigin + performance.now();
    w.raProbeChange = (selector: string, r: { x: number; y: number; width: number; height: number }) => {
      const base = read(selector, r);
      return new Promise<number>((resolve) => {
        const limit = now() + 5000;
        const tick = () => {
          const data = read(selector, r);
          if (!data || !base || now() > limit || differ(data, base)) return resolve(now());
          setTimeout(tick, 1);
        };
        tick();
      });
    };
    w.raProbeSettled = (selector: string, r: { x: number; y: number; width: number; height: number }, quietMs: number) => {
      let last = read(selector, r);
      let changedAt = now();
      return new Promise<number>((resolve) => {
        const limit = now() + 20_000;
        const tick = () => {
          const data = read(selector, r);
          if (data && last && differ(data, last)) changedAt = now();
          last = data;
          if (now() - changedAt > quietMs || now() > limit) return resolve(changedAt);
          setTimeout(tick, 2);
        };
        setTimeout(tick, quietMs / 2);
      });
    };
    w.raProbeFrames = (selector: string, r: { x: number; y: number; width: number; height: number }, ms: number) => {
      let last = read(selector, r);
      let frames = 0;
      return new Promise<number>((resolve) => {
        const end = now() + ms;
        const tick = () => {
          const data = read(selector, r);
          if (data && last && differ(data, last)) frames++;
          last = data;
          if (now() > end) return resolve(frames);
          setTimeout(tick, 4);
        };
        tick();
      });
    };
    // The whole canvas read once per poll: 400 one-pixel reads cost the page more than one read of all of it.
    w.raProbeWhole = (selector: string, points: [number, number, number][], tolerance: number, meanError: number) =>
      new Promise<{ whole: number; exact: number }>((resolve) => {
        let whole = 0;
        const limit = now() + 30_000;
        const tick = () => {
          const canvas = document.querySelector<HTMLCanvasElement>(selector);
          const pixels = canvas?.width ? canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data : undefined;
          let near = !!pixels;
          let same = !!pixels;
          let error = 0;
          for (const [x, y, rgb] of pixels ? points : []) {
            const at = (y * canvas!.width + x) * 4;
            const e = [Math.abs(pixels![at] - (rgb >> 16)), Math.abs(pixels![at + 1] - ((rgb >> 8) & 255)), Math.abs(pixels![at + 2] - (rgb & 255))];
            near &&= Math.max(...e) <= tolerance;
            same &&= e.every((v) => v === 0);
            error += (e[0] + e[1] + e[2]) / 3 / points.length;
          }
          near &&= error <= meanError;
          if (near && !whole) whole = now();
          if ((same && whole) || now() > limit) return resolve({ whole: whole || now(), exact: now() });
          setTimeout(tick, 2);
        };
        tick();
      });
  });
}

/** A probe started in the page and left running there: evaluate() would wait for its promise, so it is kept by number. */
async function started<T = number>(page: Page, name: string, args: readonly unknown[]): Promise<() => Promise<T>> {
  const id = await page.evaluate(
    ([n, a]) => {
      const w = window as unknown as { raProbes?: Promise<unknown>[] } & Record<string, (...args: unknown[]) => Promise<unknown>>;
      w.raProbes ??= [];
      return w.raProbes.push(w[n](...a)) - 1;
    },
    [name, args] as const,
  );
  return () => page.evaluate((i) => (window as unknown as { raProbes: Promise<T>[] }).raProbes[i], id);
}

/** Starts watching a region; the returned function resolves with when it changed (or 5 s passed). */
export function probeChange(page: Page, canvas: string, region: Region): Promise<() => Promise<number>> {
  return started(page, 'raProbeChange', [canvas, region]);
}

/** Starts watching a region; resolves with its last change once it was still for `quietMs`. */
export function probeSettled(page: Page, canvas: string, region: Region, quietMs: number): Promise<() => Promise<number>> {
  return started(page, 'raProbeSettled', [canvas, region, quietMs]);
}

/** Starts counting how many times a region changes within `ms`: the frames a viewer showed of a video there. */
export function probeFrames(page: Page, canvas: string, region: Region, ms: number): Promise<() => Promise<number>> {
  return started(page, 'raProbeFrames', [canvas, region, ms]);
}

/** Points of a still X screen and their colours, for probeWhole. */
export type Samples = [number, number, number][];

export async function sampleScreen(display: string, width: number, height: number): Promise<Samples> {
  const screen = await screenshot({ ...process.env, DISPLAY: display });
  let seed = 99;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  // Inside RA's indicator border on the novice's desktop, which no viewer is meant to show.
  return Array.from({ length: SAMPLES }, () => {
    const [x, y] = [64 + rnd(width - 128), 96 + rnd(height - 160)];
    return [x, y, screen.rgb(x, y)] as [number, number, number];
  });
}

/**
 * Starts watching for when the canvas first shows the samples whole (every one within tolerance) and when exactly
 * (every one equal); the returned function resolves with both. Started as the page loads, it polls until a canvas is there.
 */
export function probeWhole(page: Page, canvas: string, samples: Samples): Promise<() => Promise<{ whole: number; exact: number }>> {
  return started<{ whole: number; exact: number }>(page, 'raProbeWhole', [canvas, samples, WHOLE_TOLERANCE, WHOLE_MEAN_ERROR]);
}

const sessions = new WeakMap<Page, Promise<CDPSession>>();

/** The page's main-thread busy time so far (Chrome's TaskDuration, counted from the first call), in ms. */
export async function pageCpuMs(page: Page): Promise<number> {
  let session = sessions.get(page);
  if (!session) {
    session = page
      .context()
      .newCDPSession(page)
      .then(async (cdp) => (await cdp.send('Performance.enable'), cdp));
    sessions.set(page, session);
  }
  const { metrics } = await (await session).send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}
