import type { CursorState } from '@ra/plugin-screen/api';
import type { CursorImage } from 'x11';

/** The largest cursor side a viewer is sent; bigger ones are cut around the hotspot. */
export const MAX_CURSOR_SIDE = 256;

/** First column (or row) of a `side`-long window around `hot` within `size`. */
const cropStart = (size: number, hot: number) => Math.max(0, Math.min(hot - MAX_CURSOR_SIDE / 2, size - MAX_CURSOR_SIDE));

/** XFIXES hands out premultiplied ARGB32 in native order (B, G, R, A bytes); viewers want straight RGBA. */
export function cursorState(cursor: CursorImage): Required<CursorState> {
  const [x0, y0] = [cropStart(cursor.width, cursor.xhot), cropStart(cursor.height, cursor.yhot)];
  const width = Math.min(cursor.width, MAX_CURSOR_SIDE);
  const height = Math.min(cursor.height, MAX_CURSOR_SIDE);
  const rgba = new Uint8Array(width * height * 4);
  const argb = cursor.cursorImage;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = ((y0 + y) * cursor.width + x0 + x) * 4;
      const o = (y * width + x) * 4;
      const a = argb[i + 3];
      if (a === 0) continue;
      rgba[o] = Math.min(255, Math.round((argb[i + 2] * 255) / a));
      rgba[o + 1] = Math.min(255, Math.round((argb[i + 1] * 255) / a));
      rgba[o + 2] = Math.min(255, Math.round((argb[i] * 255) / a));
      rgba[o + 3] = a;
    }
  }
  return { x: cursor.x, y: cursor.y, image: { width, height, hotX: cursor.xhot - x0, hotY: cursor.yhot - y0, rgba } };
}

/** Time between two pointer queries while it moves: at most 100 a second. */
const MOTION_QUERY_MS = 10;

/**
 * Follows the pointer and reports it only when it moved. With XInput2 motion events it asks the
 * server where the pointer is after each burst of motion and costs nothing while the pointer rests;
 * without them, `poll` asks every `intervalMs`.
 */
export class PointerWatch {
  private querying = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private disposed = false;
  private last = { x: Number.NaN, y: Number.NaN };

  constructor(
    private readonly where: () => Promise<{ x: number; y: number }>,
    private readonly moved: (x: number, y: number) => void,
  ) {}

  /** The pointer is known to be at (`x`, `y`), e.g. from a cursor image. */
  seen(x: number, y: number): void {
    this.last = { x, y };
  }

  /** The server reported motion. */
  motion(): void {
    if (this.querying || this.timer) this.again = true;
    else void this.query();
  }

  poll(intervalMs: number): void {
    this.poller = setInterval(() => this.motion(), intervalMs);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearInterval(this.poller);
  }

  private async query(): Promise<void> {
    this.querying = true;
    this.again = false;
    try {
      const { x, y } = await this.where();
      if (this.disposed || (x === this.last.x && y === this.last.y)) return;
      this.last = { x, y };
      this.moved(x, y);
    } catch {
      // The connection is gone or going; its owner reports that.
    } finally {
      this.querying = false;
      if (this.again && !this.disposed) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.query();
        }, MOTION_QUERY_MS);
      }
    }
  }
}
