import type { ScreenRect } from '../common/api.js';

/** The RGBA pixels of `rects` in a `width`-wide framebuffer, row after row, rect after rect: one buffer to transfer. */
export function copyRects(rgba: Uint8ClampedArray, width: number, rects: readonly ScreenRect[]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(rects.reduce((sum, r) => sum + r.width * r.height * 4, 0));
  let at = 0;
  for (const r of rects) {
    for (let row = 0; row < r.height; row++, at += r.width * 4) {
      const from = ((r.y + row) * width + r.x) * 4;
      out.set(rgba.subarray(from, from + r.width * 4), at);
    }
  }
  return out;
}

/** Writes what copyRects took back into a framebuffer of the same width. */
export function pasteRects(rgba: Uint8ClampedArray, width: number, rects: readonly ScreenRect[], pixels: Uint8ClampedArray): void {
  let at = 0;
  for (const r of rects) {
    for (let row = 0; row < r.height; row++, at += r.width * 4) {
      rgba.set(pixels.subarray(at, at + r.width * 4), ((r.y + row) * width + r.x) * 4);
    }
  }
}
