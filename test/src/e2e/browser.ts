import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from '../fixtures.js';

export const ARTIFACTS = join(REPO, 'test', 'artifacts');

/** Debian's Chromium, headless, with the flags that keep it off the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Saves a screenshot under test/artifacts so a person can look at what the test saw. */
export async function snap(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The helper's canvas pixels of a region, RGBA. */
export async function canvasRegion(page: Page, region: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
  const data = await page.evaluate(({ x, y, width, height }) => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas#ra-screen');
    if (!canvas) throw new Error('no screen canvas');
    return Array.from(canvas.getContext('2d')!.getImageData(x, y, width, height).data);
  }, region);
  return Uint8Array.from(data);
}
