import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureSink, CursorState, ScreenGeometry, ScreenUpdate } from '@ra/plugin-screen/api';

/** Records what a capture sends, and paints the updates onto its own copy of the screen (BGRX). */
export class RecordingSink implements CaptureSink {
  readonly resizes: ScreenGeometry[] = [];
  readonly updates: ScreenUpdate[] = [];
  readonly cursors: CursorState[] = [];
  readonly endings: string[] = [];
  screen = Buffer.alloc(0);
  geometry: ScreenGeometry = { width: 0, height: 0 };
  /** When the last update came, for waiting until the screen settled. */
  lastUpdateAt = 0;

  resize(geometry: ScreenGeometry): void {
    this.resizes.push(geometry);
    this.geometry = geometry;
    this.screen = Buffer.alloc(geometry.width * geometry.height * 4);
  }

  update(u: ScreenUpdate): void {
    this.updates.push(u);
    this.lastUpdateAt = Date.now();
    for (let row = 0; row < u.height; row++) {
      const from = row * u.stride;
      this.screen.set(u.data.subarray(from, from + u.width * 4), ((u.y + row) * this.geometry.width + u.x) * 4);
    }
  }

  cursor(state: CursorState): void {
    this.cursors.push(state);
  }

  ended(reason: string): void {
    this.endings.push(reason);
  }

  /** Resolves once no update came for `quietMs`; rejects after `timeoutMs`. */
  async settled(quietMs = 300, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - this.lastUpdateAt < quietMs) {
      if (Date.now() > deadline) throw new Error(`the screen did not settle for ${quietMs} ms within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** The RGB value at (`x`, `y`) of the painted screen, as 0xRRGGBB. */
  rgb(x: number, y: number): number {
    return this.screen.readUInt32LE((y * this.geometry.width + x) * 4) & 0xffffff;
  }
}
