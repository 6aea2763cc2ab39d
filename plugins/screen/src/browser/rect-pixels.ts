import type { ScreenRect } from '../common/api.js';

/** Each row of `rects` in a `width`-wide RGBA framebuffer, and where it sits when the rows are packed one after another. */
function eachRow(rects: readonly ScreenRect[], width: number, visit: (screenAt: number, packedAt: number, bytes: number) => void): void {
  let packedAt = 0;
  for (const r of rects) {
    for (let row = 0; row < r.height; row++, packedAt += r.width * 4) visit(((r.y + row) * width + r.x) * 4, packedAt, r.width * 4);
  }
}

/** The RGBA pixels of `rects` in a `width`-wide framebuffer, row after row, rect after rect: one buffer to transfer. */
export function copyRects(rgba: Uint8ClampedArray, width: number, rects: readonly ScreenRect[]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(rects.reduce((sum, r) => sum + r.width * r.height * 4, 0));
  eachRow(rects, width, (screenAt, packedAt, bytes) => out.set(rgba.subarray(screenAt, screenAt + bytes), packedAt));
  return out;
}

/** Writes what copyRects took back into a framebuffer of the same width. */
export function pasteRects(rgba: Uint8ClampedArray, width: number, rects: readonly ScreenRect[], pixels: Uint8ClampedArray): void {
  eachRow(rects, width, (screenAt, packedAt, bytes) => rgba.set(pixels.subarray(packedAt, packedAt + bytes), screenAt));
}
