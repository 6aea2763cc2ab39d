import type { ScreenGeometry, ScreenRect } from './api.js';

/** Side of the blocks video areas are tracked in; the novice aligns video areas and their exact top-off to it. */
export const BLOCK = 16;

/**
 * Which 16×16 blocks of the screen show video rather than the exact pixels. A video area marks every
 * block it touches; exact pixels clear only the blocks they cover whole (or up to the screen's edge).
 */
export class LossyBlocks {
  readonly columns: number;
  readonly rows: number;
  /** 0: exact; otherwise when the block last showed video (the caller's clock, at least 1). */
  readonly marks: Float64Array;
  count = 0;

  constructor(readonly screen: ScreenGeometry) {
    this.columns = Math.ceil(screen.width / BLOCK);
    this.rows = Math.ceil(screen.height / BLOCK);
    this.marks = new Float64Array(this.columns * this.rows);
  }

  mark(r: ScreenRect, at = 1): void {
    this.each(Math.floor(r.x / BLOCK), Math.floor(r.y / BLOCK), Math.ceil((r.x + r.width) / BLOCK), Math.ceil((r.y + r.height) / BLOCK), (i) => {
      if (this.marks[i] === 0) this.count++;
      this.marks[i] = at;
    });
  }

  clear(r: ScreenRect): void {
    if (this.count === 0) return;
    const right = r.x + r.width === this.screen.width ? this.columns : Math.floor((r.x + r.width) / BLOCK);
    const bottom = r.y + r.height === this.screen.height ? this.rows : Math.floor((r.y + r.height) / BLOCK);
    this.each(Math.ceil(r.x / BLOCK), Math.ceil(r.y / BLOCK), right, bottom, (i) => {
      if (this.marks[i] !== 0) this.count--;
      this.marks[i] = 0;
    });
  }

  private each(left: number, top: number, right: number, bottom: number, visit: (i: number) => void): void {
    for (let row = Math.max(top, 0); row < Math.min(bottom, this.rows); row++) {
      for (let column = Math.max(left, 0); column < Math.min(right, this.columns); column++) visit(row * this.columns + column);
    }
  }
}
