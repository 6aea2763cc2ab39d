import type { CursorState } from '@ra/kernel';
import type { CursorImage } from 'x11';

/** XFIXES hands out premultiplied ARGB32 in native order (B, G, R, A bytes); viewers want straight RGBA. */
export function cursorState(cursor: CursorImage): Required<CursorState> {
  const rgba = new Uint8Array(cursor.width * cursor.height * 4);
  const argb = cursor.cursorImage;
  for (let i = 0; i < rgba.length; i += 4) {
    const a = argb[i + 3];
    if (a === 0) continue;
    rgba[i] = Math.min(255, Math.round((argb[i + 2] * 255) / a));
    rgba[i + 1] = Math.min(255, Math.round((argb[i + 1] * 255) / a));
    rgba[i + 2] = Math.min(255, Math.round((argb[i] * 255) / a));
    rgba[i + 3] = a;
  }
  return {
    x: cursor.x,
    y: cursor.y,
    image: { width: cursor.width, height: cursor.height, hotX: cursor.xhot, hotY: cursor.yhot, rgba },
  };
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
