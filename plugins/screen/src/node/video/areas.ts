import type { ScreenGeometry, ScreenRect } from '../../common/api.js';
import { BLOCK, type LossyBlocks } from '../../common/lossy-blocks.js';
import { bounds, contains } from '../../common/rects.js';

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

/** Room around the areas an encoder is sized to, so a video that shifts a little stays inside it. */
const MARGIN = 32;

/** The size of an encoder for areas within `box`: the box with a margin, in whole blocks, within the screen. */
export function laneSize(box: ScreenRect, screen: ScreenGeometry): ScreenGeometry {
  const grown = (extent: number, whole: number): number => Math.min(Math.ceil((extent + 2 * MARGIN) / BLOCK) * BLOCK, whole);
  return { width: grown(box.width, screen.width), height: grown(box.height, screen.height) };
}

/** Where a frame of `size` goes to hold `box`: where it was while that still holds it (its encoder's past helps), else centred on it. */
export function place(box: ScreenRect, size: ScreenGeometry, screen: ScreenGeometry, last?: ScreenRect): ScreenRect {
  if (last && last.width === size.width && last.height === size.height && contains(last, box)) return last;
  const at = (start: number, extent: number, frame: number, whole: number): number =>
    Math.max(0, Math.min(Math.floor((start + extent / 2 - frame / 2) / BLOCK) * BLOCK, whole - frame));
  return { x: at(box.x, box.width, size.width, screen.width), y: at(box.y, box.height, size.height, screen.height), ...size };
}
