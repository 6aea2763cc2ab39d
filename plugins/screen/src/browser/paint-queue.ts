import type { ScreenRect } from '../common/api.js';

/** More waiting areas than this are painted as their bounding box: one copy, not hundreds. */
const MAX_AREAS = 64;

/**
 * Exact pixels reach the canvas once per animation frame, however many messages brought them: the decoder writes
 * into the framebuffer, and the areas it changed wait here for the next frame (or for a video frame about to draw).
 */
export class PaintQueue {
  private areas: ScreenRect[] = [];
  private image?: ImageData;
  private painted?: () => void;
  private frame?: number;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(image: ImageData, painted: () => void): void {
    this.areas = [];
    this.image = image;
    this.painted = painted;
  }

  add(areas: readonly ScreenRect[]): void {
    this.areas.push(...areas);
    if (this.areas.length > MAX_AREAS) this.areas = [bounds(this.areas)];
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    const areas = this.areas;
    this.areas = [];
    if (!this.image || areas.length === 0) return;
    const context = this.canvas.getContext('2d')!;
    for (const r of areas) context.putImageData(this.image, 0, 0, r.x, r.y, r.width, r.height);
    this.painted?.();
  }

  dispose(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.areas = [];
  }
}

function bounds(areas: readonly ScreenRect[]): ScreenRect {
  const x = Math.min(...areas.map((r) => r.x));
  const y = Math.min(...areas.map((r) => r.y));
  return { x, y, width: Math.max(...areas.map((r) => r.x + r.width)) - x, height: Math.max(...areas.map((r) => r.y + r.height)) - y };
}
