import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from '../fixtures.js';

export const ARTIFACTS = join(REPO, 'test', 'artifacts');

/**
 * Debian's Chromium, headless, with the flags that keep it off the network; `extra` adds some (a fake microphone).
 * `executablePath` another way to start it: a script that runs it in a shaped link's namespace.
 */
export function launchChromium(extra: readonly string[] = [], executablePath = '/usr/bin/chromium'): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...extra],
  });
}

/**
 * Flags for a browser whose microphone plays `wav` in a loop and which grants the microphone without asking, as a
 * person clicking Allow would; `--autoplay-policy` as a person who clicked in the page already has.
 */
export function fakeMicrophone(wav: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ];
}

/** Saves a screenshot under test/artifacts so a person can look at what the test saw. */
export async function snap(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The helper's canvas pixels of a region, RGBA. */
export async function canvasRegion(page: Page, region: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
  // As a Latin-1 string: an array of numbers for a whole screen takes the page seconds to serialise.
  const data = await page.evaluate(({ x, y, width, height }) => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas#ra-screen');
    if (!canvas) throw new Error('no screen canvas');
    const bytes = canvas.getContext('2d')!.getImageData(x, y, width, height).data;
    const parts: string[] = [];
    for (let i = 0; i < bytes.length; i += 0x8000) parts.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
    return parts.join('');
  }, region);
  return Uint8Array.from(Buffer.from(data, 'latin1'));
}
