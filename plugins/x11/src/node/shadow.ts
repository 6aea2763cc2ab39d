import type { ScreenGeometry, ScreenUpdate } from '@ra/plugin-screen/api';
import type { ScreenRect } from '@ra/plugin-screen/api';

/** Pixels read from the screen: BGRX, `stride` bytes per row, first row at offset 0. */
export interface Grab {
  readonly data: Buffer;
  readonly stride: number;
}

/**
 * The screen as last delivered, so a grab can be cropped to the pixels that really changed: X
 * reports every drawing, also those that paint the same pixels again (a redrawn prompt, a cursor
 * blink that ended where it began). Updates carry their own copy of the pixels.
 */
export class ShadowScreen {
  private pixels: Buffer;

  constructor(private geometry: ScreenGeometry) {
    this.pixels = Buffer.alloc(geometry.width * geometry.height * 4);
  }

  resize(geometry: ScreenGeometry): void {
    this.geometry = geometry;
    this.pixels = Buffer.alloc(geometry.width * geometry.height * 4);
  }

  /** Stores all of `grab` and returns it as one update. */
  replace(rect: ScreenRect, grab: Grab): ScreenUpdate {
    return this.take(rect, grab, 0, 0, rect.width, rect.height);
  }

  /**
   * Returns the smallest rectangle of `grab` holding every pixel that differs from the shadow, and
   * stores it; undefined when nothing differs. Whole scanlines are compared first (native memcmp),
   * so columns are only searched on rows that changed.
   */
  changes(rect: ScreenRect, grab: Grab): ScreenUpdate | undefined {
    const rowBytes = rect.width * 4;
    const dirty = new Uint8Array(rect.height);
    let top = -1;
    let bottom = -1;
    for (let row = 0; row < rect.height; row++) {
      const at = this.offset(rect.x, rect.y + row);
      const from = row * grab.stride;
      if (grab.data.compare(this.pixels, at, at + rowBytes, from, from + rowBytes) !== 0) {
        dirty[row] = 1;
        if (top < 0) top = row;
        bottom = row;
      }
    }
    if (top < 0) return undefined;

    // Each dirty row only needs a look outside the columns already known to change.
    let left = rect.width;
    let right = -1;
    for (let row = top; row <= bottom; row++) {
      if (!dirty[row]) continue;
      const at = this.offset(rect.x, rect.y + row);
      const from = row * grab.stride;
      for (let px = 0; px < left; px++) {
        if (this.differs(grab.data, from + px * 4, at + px * 4)) {
          left = px;
          break;
        }
      }
      for (let px = rect.width - 1; px > right; px--) {
        if (this.differs(grab.data, from + px * 4, at + px * 4)) {
          right = px;
          break;
        }
      }
    }
    return this.take(rect, grab, left, top, right - left + 1, bottom - top + 1);
  }

  private differs(data: Buffer, i: number, j: number): boolean {
    const p = this.pixels;
    return data[i] !== p[j] || data[i + 1] !== p[j + 1] || data[i + 2] !== p[j + 2] || data[i + 3] !== p[j + 3];
  }

  /** Copies the `width`×`height` box at (`dx`,`dy`) of `grab` into the shadow and into a new update. */
  private take(rect: ScreenRect, grab: Grab, dx: number, dy: number, width: number, height: number): ScreenUpdate {
    const rowBytes = width * 4;
    const data = Buffer.allocUnsafe(rowBytes * height);
    // Whole rows of the grab, and rows as wide as the screen, are one block each: one copy instead of one per row.
    const whole = rowBytes === grab.stride;
    if (whole) grab.data.copy(data, 0, dy * grab.stride, (dy + height) * grab.stride);
    if (whole && width === this.geometry.width) data.copy(this.pixels, this.offset(0, rect.y + dy));
    else
      for (let row = 0; row < height; row++) {
        const from = (dy + row) * grab.stride + dx * 4;
        if (!whole) grab.data.copy(data, row * rowBytes, from, from + rowBytes);
        grab.data.copy(this.pixels, this.offset(rect.x + dx, rect.y + dy + row), from, from + rowBytes);
      }
    return { x: rect.x + dx, y: rect.y + dy, width, height, stride: rowBytes, data };
  }

  private offset(x: number, y: number): number {
    return (y * this.geometry.width + x) * 4;
  }
}
