import type { ScreenUpdate } from '../../common/api.js';

/** Side of the screen-aligned tiles a big change is sorted in (a multiple of the 16-pixel video block). */
export const TILE = 128;
/** A tile where fewer of its sampled pixels than this equal their left neighbour is photo-like. */
const PLAIN_SHARE = 0.5;
/** Every this many rows of a tile is sampled: enough to tell a photo from text, at a quarter of the reads. */
const SAMPLE_EVERY = 4;

export interface Sorted {
  /** Photo-like areas: video sends them in a fraction of the bytes deflate needs. */
  readonly busy: ScreenUpdate[];
  /** Text and flat areas: deflate packs them small, and they stay exact. */
  readonly plain: ScreenUpdate[];
}

/** Sorts changes by how much detail they carry, tile by tile along the screen's TILE grid; changes under a tile are plain. */
export function sortByDetail(updates: readonly ScreenUpdate[]): Sorted {
  const sorted: Sorted = { busy: [], plain: [] };
  for (const u of updates) {
    if (u.width * u.height < TILE * TILE) sorted.plain.push(u);
    else sortTiles(u, sorted);
  }
  return sorted;
}

/** One update's tiles, each row's neighbours of the same kind joined into one run. */
function sortTiles(u: ScreenUpdate, sorted: Sorted): void {
  const view = new DataView(u.data.buffer, u.data.byteOffset, u.data.byteLength);
  for (let top = u.y; top < u.y + u.height; top = nextLine(top)) {
    const height = Math.min(nextLine(top), u.y + u.height) - top;
    let run: { x: number; busy: boolean } | undefined;
    const close = (end: number): void => {
      if (run) (run.busy ? sorted.busy : sorted.plain).push(piece(u, run.x, top, end - run.x, height));
    };
    for (let left = u.x; left < u.x + u.width; left = nextLine(left)) {
      const width = Math.min(nextLine(left), u.x + u.width) - left;
      const busy = plainShare(view, u, left, top, width, height) < PLAIN_SHARE;
      if (run?.busy === busy) continue;
      close(left);
      run = { x: left, busy };
    }
    close(u.x + u.width);
  }
}

function nextLine(at: number): number {
  return (Math.floor(at / TILE) + 1) * TILE;
}

/** The share of sampled pixels whose colour equals their left neighbour's. */
function plainShare(view: DataView, u: ScreenUpdate, x: number, y: number, width: number, height: number): number {
  if (width < 2) return 1;
  let same = 0;
  let seen = 0;
  for (let row = y - u.y; row < y - u.y + height; row += SAMPLE_EVERY) {
    let at = row * u.stride + (x - u.x) * 4;
    let last = view.getUint32(at, true) & 0xffffff;
    for (let i = 1; i < width; i++) {
      at += 4;
      const pixel = view.getUint32(at, true) & 0xffffff;
      if (pixel === last) same++;
      last = pixel;
    }
    seen += width - 1;
  }
  return same / seen;
}

/** Part of an update, reading its pixels in place. */
function piece(u: ScreenUpdate, x: number, y: number, width: number, height: number): ScreenUpdate {
  return { x, y, width, height, stride: u.stride, data: u.data.subarray((y - u.y) * u.stride + (x - u.x) * 4) };
}
