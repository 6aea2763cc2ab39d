import type { ScreenRect } from '../common/api.js';
import { bounds } from '../common/rects.js';

/** More waiting areas than this are painted as their bounding box: one copy, not hundreds. */
const MAX_AREAS = 64;
/** One display frame at 60 Hz: a change after a quiet frame paints at once, later ones wait for the next frame. */
const FRAME_MS = 1000 / 60;

/**
 * Exact pixels reach the canvas at most once per display frame, however many messages brought them: the decoder writes
 * into the framebuffer, and the areas it changed wait here for the next animation frame (or for a video frame about
 * to draw). A change after a quiet frame (a typed character) is painted at once: waiting for the frame would add
 * up to 17 ms to every keystroke.
 */
export class PaintQueue {
  private areas: ScreenRect[] = [];
  private image?: ImageData;
  private painted?: () => void;
  private frame?: number;
  private paintedAt = -Infinity;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(image: ImageData, painted: () => void): void {
    this.areas = [];
    this.image = image;
    this.painted = painted;
  }

  add(areas: readonly ScreenRect[]): void {
    this.areas.push(...areas);
    if (this.areas.length > MAX_AREAS) this.areas = [bounds(this.areas)];
    if (this.frame === undefined && performance.now() - this.paintedAt >= FRAME_MS) return this.flush();
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    const areas = this.areas;
    this.areas = [];
    if (!this.image || areas.length === 0) return;
    this.paintedAt = performance.now();
    const context = this.canvas.getContext('2d')!;
    for (const r of areas) context.putImageData(this.image, 0, 0, r.x, r.y, r.width, r.height);
    this.painted?.();
  }

  dispose(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.areas = [];
  }
}
