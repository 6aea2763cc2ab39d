import type { ScreenGeometry, ScreenRect } from '../../common/api.js';
import { BLOCK, type LossyBlocks } from '../../common/lossy-blocks.js';
import { bounds } from '../../common/rects.js';

/** The areas grown to whole blocks (clipped to the screen), so their top-off covers every block they touch; too many become one. */
export function toBlocks(areas: readonly ScreenRect[], screen: ScreenGeometry, max: number): ScreenRect[] {
  const grown = areas.map((r) => {
    const x = Math.floor(r.x / BLOCK) * BLOCK;
    const y = Math.floor(r.y / BLOCK) * BLOCK;
    return {
      x,
      y,
      width: Math.min(Math.ceil((r.x + r.width) / BLOCK) * BLOCK, screen.width) - x,
      height: Math.min(Math.ceil((r.y + r.height) / BLOCK) * BLOCK, screen.height) - y,
    };
  });
  return grown.length <= max ? grown : [bounds(grown)];
}

/**
 * Blocks shown as video that have been still since `before`, as few rectangles: runs along each row of blocks,
 * joined with the same run of the row above. At most `maxBlocks` blocks, top first.
 */
export function dueAreas(lossy: LossyBlocks, before: number, maxBlocks: number): ScreenRect[] {
  const { columns, rows, marks } = lossy;
  const open = new Map<string, { x: number; y: number; width: number; height: number }>();
  const done: ScreenRect[] = [];
  let taken = 0;
  for (let row = 0; row < rows && taken < maxBlocks; row++) {
    const runs = new Map<string, { x: number; y: number; width: number; height: number }>();
    for (let column = 0; column < columns && taken < maxBlocks; column++) {
      const mark = marks[row * columns + column];
      if (mark === 0 || mark > before) continue;
      let end = column;
      while (end + 1 < columns && taken + end + 1 - column < maxBlocks && marks[row * columns + end + 1] !== 0 && marks[row * columns + end + 1] <= before)
        end++;
      const span = `${column}:${end}`;
      const above = open.get(span);
      if (above) above.height++;
      runs.set(span, above ?? { x: column, y: row, width: end - column + 1, height: 1 });
      taken += end - column + 1;
      column = end;
    }
    for (const [span, r] of open) if (!runs.has(span)) done.push(r);
    open.clear();
    for (const [span, r] of runs) open.set(span, r);
  }
  done.push(...open.values());
  const { width, height } = lossy.screen;
  return done.map((r) => {
    const x = r.x * BLOCK;
    const y = r.y * BLOCK;
    return { x, y, width: Math.min((r.x + r.width) * BLOCK, width) - x, height: Math.min((r.y + r.height) * BLOCK, height) - y };
  });
}
