import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface Screenshot {
  readonly width: number;
  readonly height: number;
  /** RGBA, width * 4 bytes per row. */
  readonly rgba: Uint8Array;
}

/** The X server's own picture of the root window (`xwd`), independent of RA's capture code. */
export async function xScreenshot(display: string): Promise<Screenshot> {
  const { stdout } = await promisify(execFile)('xwd', ['-root', '-silent', '-display', display], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const u32 = (i: number) => stdout.readUInt32BE(i * 4);
  const [headerSize, width, height, byteOrder, bitsPerPixel, bytesPerLine, ncolors] = [u32(0), u32(4), u32(5), u32(7), u32(11), u32(12), u32(19)];
  if (bitsPerPixel !== 32) throw new Error(`xwd gave ${bitsPerPixel} bits per pixel; the tests expect 32`);
  const start = headerSize + ncolors * 12;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = stdout.readUInt32LE(start + y * bytesPerLine + x * 4);
      const v = byteOrder === 0 ? p : stdout.readUInt32BE(start + y * bytesPerLine + x * 4);
      const o = (y * width + x) * 4;
      rgba[o] = (v >> 16) & 255;
      rgba[o + 1] = (v >> 8) & 255;
      rgba[o + 2] = v & 255;
      rgba[o + 3] = 255;
    }
  }
  return { width, height, rgba };
}

/** How many pixels of `region` differ between the X screen and `pixels`, that region's RGBA. */
export function differingPixels(screen: Screenshot, pixels: Uint8Array, region: { x: number; y: number; width: number; height: number }): number {
  let differ = 0;
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const s = ((region.y + y) * screen.width + region.x + x) * 4;
      const p = (y * region.width + x) * 4;
      if (screen.rgba[s] !== pixels[p] || screen.rgba[s + 1] !== pixels[p + 1] || screen.rgba[s + 2] !== pixels[p + 2]) differ++;
    }
  }
  return differ;
}
