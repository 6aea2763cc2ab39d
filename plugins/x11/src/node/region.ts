import type { ScreenGeometry, ScreenRect } from '@ra/plugin-screen/api';

/** The part of `r` on the screen, or undefined when none is. */
export function clip(r: ScreenRect, screen: ScreenGeometry): ScreenRect | undefined {
  const x = Math.max(r.x, 0);
  const y = Math.max(r.y, 0);
  const width = Math.min(r.x + r.width, screen.width) - x;
  const height = Math.min(r.y + r.height, screen.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : undefined;
}

export function union(a: ScreenRect, b: ScreenRect): ScreenRect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** Whether `a` and `b` overlap or lie within `gap` pixels of each other. */
function near(a: ScreenRect, b: ScreenRect, gap: number): boolean {
  return a.x - gap <= b.x + b.width && b.x - gap <= a.x + a.width && a.y - gap <= b.y + b.height && b.y - gap <= a.y + a.height;
}

/**
 * Merges rectangles that overlap or lie within `gap` pixels of each other, so the characters of a
 * typed word become one grab; more than `maxRects` results become their bounding box.
 */
export function mergeNearby(rects: readonly ScreenRect[], gap: number, maxRects: number): ScreenRect[] {
  const merged: ScreenRect[] = [];
  for (let rect of rects) {
    // A union can reach rectangles that were apart before, so look again after each one.
    for (let i = 0; i < merged.length;) {
      if (near(merged[i], rect, gap)) {
        rect = union(merged[i], rect);
        merged.splice(i, 1);
        i = 0;
      } else {
        i++;
      }
    }
    merged.push(rect);
  }
  return merged.length > maxRects ? [merged.reduce(union)] : merged;
}

/** The overlap of `a` and `b`, or undefined. */
export function intersect(a: ScreenRect, b: ScreenRect): ScreenRect | undefined {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const width = Math.min(a.x + a.width, b.x + b.width) - x;
  const height = Math.min(a.y + a.height, b.y + b.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : undefined;
}

/** The parts of `a` outside `b`: up to four rectangles. */
export function subtract(a: ScreenRect, b: ScreenRect): ScreenRect[] {
  const o = intersect(a, b);
  if (!o) return [a];
  const parts: ScreenRect[] = [
    { x: a.x, y: a.y, width: a.width, height: o.y - a.y },
    { x: a.x, y: o.y + o.height, width: a.width, height: a.y + a.height - (o.y + o.height) },
    { x: a.x, y: o.y, width: o.x - a.x, height: o.height },
    { x: o.x + o.width, y: o.y, width: a.x + a.width - (o.x + o.width), height: o.height },
  ];
  return parts.filter((r) => r.width > 0 && r.height > 0);
}

export function contains(r: ScreenRect, x: number, y: number): boolean {
  return x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height;
}
