import type { ScreenGeometry, ScreenRect } from './api.js';

/** Side of the blocks video areas are tracked in; the novice aligns video areas and their exact top-off to it. */
export const BLOCK = 16;

/**
 * Which 16×16 blocks of the screen show video rather than the exact pixels. A video area marks every block it
 * touches; exact pixels clear a block once they covered all of it, in one rect or several (the encoder cuts a rect
 * into tiles from its own corner, so a block the novice saw covered by one rect reaches the helper in two or four).
 */
export class LossyBlocks {
  readonly columns: number;
  readonly rows: number;
  /** 0: exact; otherwise when the block last showed video (the caller's clock, at least 1). */
  readonly marks: Float64Array;
  count = 0;
  /** Rows of a marked block that exact pixels covered in part so far: a bit per pixel. At most one per marked block. */
  private readonly covered = new Map<number, Uint16Array>();

  constructor(readonly screen: ScreenGeometry) {
    this.columns = Math.ceil(screen.width / BLOCK);
    this.rows = Math.ceil(screen.height / BLOCK);
    this.marks = new Float64Array(this.columns * this.rows);
  }

  mark(r: ScreenRect, at = 1): void {
    this.each(r, (i) => {
      if (this.marks[i] === 0) this.count++;
      this.marks[i] = at;
      this.covered.delete(i);
    });
  }

  clear(r: ScreenRect): void {
    if (this.count === 0) return;
    this.each(r, (i, column, row) => {
      if (this.marks[i] === 0) return;
      const [left, top] = [column * BLOCK, row * BLOCK];
      const width = Math.min(BLOCK, this.screen.width - left);
      const height = Math.min(BLOCK, this.screen.height - top);
      const [x0, x1] = [Math.max(r.x - left, 0), Math.min(r.x + r.width - left, width)];
      const [y0, y1] = [Math.max(r.y - top, 0), Math.min(r.y + r.height - top, height)];
      const rows = this.covered.get(i) ?? new Uint16Array(BLOCK);
      const bits = (1 << x1) - (1 << x0);
      for (let y = y0; y < y1; y++) rows[y] |= bits;
      if (rows.subarray(0, height).every((b) => b === (1 << width) - 1)) {
        this.marks[i] = 0;
        this.count--;
        this.covered.delete(i);
      } else this.covered.set(i, rows);
    });
  }

  /** Each block `r` touches, with its column and row. */
  private each(r: ScreenRect, visit: (i: number, column: number, row: number) => void): void {
    const [left, top] = [Math.max(Math.floor(r.x / BLOCK), 0), Math.max(Math.floor(r.y / BLOCK), 0)];
    const right = Math.min(Math.ceil((r.x + r.width) / BLOCK), this.columns);
    const bottom = Math.min(Math.ceil((r.y + r.height) / BLOCK), this.rows);
    for (let row = top; row < bottom; row++) {
      for (let column = left; column < right; column++) visit(row * this.columns + column, column, row);
    }
  }
}
