import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { screenshot, type Screenshot } from '@ra/test-kit';
import { ARTIFACTS } from './browser.js';

/** The X server's own picture of the root window (`xwd`), independent of RA's capture code. */
export function xScreenshot(display: string): Promise<Screenshot> {
  return screenshot({ ...process.env, DISPLAY: display });
}

type Region = { x: number; y: number; width: number; height: number };

/** The per-channel differences of each pixel of `region` between the X screen and `pixels`, that region's RGBA. */
function* differences(screen: Screenshot, pixels: Uint8Array, region: Region): Generator<[number, number, number]> {
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const rgb = screen.rgb(region.x + x, region.y + y);
      const p = (y * region.width + x) * 4;
      yield [Math.abs((rgb >> 16) - pixels[p]), Math.abs(((rgb >> 8) & 255) - pixels[p + 1]), Math.abs((rgb & 255) - pixels[p + 2])];
    }
  }
}

/** How many pixels of `region` differ between the X screen and `pixels`, that region's RGBA. */
export function differingPixels(screen: Screenshot, pixels: Uint8Array, region: Region): number {
  let differ = 0;
  for (const [r, g, b] of differences(screen, pixels, region)) if (r || g || b) differ++;
  return differ;
}

/** The mean difference per colour channel over `region` between the X screen and `pixels`, that region's RGBA. */
export function meanDifference(screen: Screenshot, pixels: Uint8Array, region: Region): number {
  let sum = 0;
  for (const [r, g, b] of differences(screen, pixels, region)) sum += r + g + b;
  return sum / (region.width * region.height * 3);
}

/** Saves the X screen as `test/artifacts/NAME.png`, for a person to look at what the novice saw. */
export async function saveXScreen(display: string, name: string): Promise<void> {
  const screen = await xScreenshot(display);
  const png = new PNG({ width: screen.width, height: screen.height });
  for (let y = 0; y < screen.height; y++) {
    for (let x = 0; x < screen.width; x++) {
      const rgb = screen.rgb(x, y);
      png.data.set([rgb >> 16, (rgb >> 8) & 255, rgb & 255, 255], (y * screen.width + x) * 4);
    }
  }
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(join(ARTIFACTS, `${name}.png`), PNG.sync.write(png));
}
