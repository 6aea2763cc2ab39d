import type { ScreenGeometry, ScreenUpdate } from '../../common/api.js';

/** Side of the screen-aligned tiles a big change is sorted in (a multiple of the 16-pixel video block). */
export const TILE = 128;
/** A tile where fewer of its sampled pixels than this equal their left neighbour is photo-like. */
const PLAIN_SHARE = 0.5;
/** Every this many rows of a tile is sampled: enough to tell a photo from text, at a quarter of the reads. */
const SAMPLE_EVERY = 4;
/** A tile that changed this many times in a row, each within MOVING_MS of the last, is moving: a film, an animation, a drag. */
const MOVES = 3;
const MOVING_MS = 300;
/** Changes closer together than this are one change (several rectangles of one batch). */
const SAME_CHANGE_MS = 10;

/**
 * When each TILE of the screen last changed, and how many changes in a row came close together. A tile that keeps
 * changing goes as video once the link was full during its run, and stays video until it stops: exact pixels of a
 * plain tile that moves (a window dragged, a cartoon) are small enough on a link that keeps up, and show at once;
 * once they outrun the link, video sends them in a fraction of the bytes.
 */
export class Motion {
  private readonly columns: number;
  private readonly last: Float64Array;
  private readonly run: Uint8Array;
  private readonly video: Uint8Array;

  constructor(screen: ScreenGeometry) {
    this.columns = Math.ceil(screen.width / TILE);
    const tiles = this.columns * Math.ceil(screen.height / TILE);
    this.last = new Float64Array(tiles).fill(-Infinity);
    this.run = new Uint8Array(tiles);
    this.video = new Uint8Array(tiles);
  }

  /** Notes a change of the tile holding x,y at `now`; whether that tile goes as video for its motion. */
  changed(x: number, y: number, now: number, linkFull: boolean): boolean {
    const i = Math.floor(y / TILE) * this.columns + Math.floor(x / TILE);
    const apart = now - this.last[i];
    if (apart >= SAME_CHANGE_MS) {
      this.run[i] = apart <= MOVING_MS ? Math.min(this.run[i] + 1, MOVES) : 1;
      this.last[i] = now;
    }
    if (this.run[i] < MOVES) this.video[i] = 0;
    else if (linkFull) this.video[i] = 1;
    return this.video[i] === 1;
  }
}

export interface Sorted {
  /** Photo-like or moving areas: video sends them in a fraction of the bytes deflate needs. */
  readonly busy: ScreenUpdate[];
  /** Text and flat areas: deflate packs them small, and they stay exact. */
  readonly plain: ScreenUpdate[];
}

/** Sorts changes tile by tile along the screen's TILE grid: by their motion (see Motion), else by their detail. */
export function sortChanges(updates: readonly ScreenUpdate[], motion: Motion, linkFull: boolean, now = performance.now()): Sorted {
  const sorted: Sorted = { busy: [], plain: [] };
  for (const u of updates) sortTiles(u, (x, y) => motion.changed(x, y, now, linkFull), sorted);
  return sorted;
}

/** One update's tiles, each row's neighbours of the same kind joined into one run. */
function sortTiles(u: ScreenUpdate, moving: (x: number, y: number) => boolean, sorted: Sorted): void {
  const view = new DataView(u.data.buffer, u.data.byteOffset, u.data.byteLength);
  for (let top = u.y; top < u.y + u.height; top = nextLine(top)) {
    const height = Math.min(nextLine(top), u.y + u.height) - top;
    let run: { x: number; busy: boolean } | undefined;
    const close = (end: number): void => {
      if (run) (run.busy ? sorted.busy : sorted.plain).push(piece(u, run.x, top, end - run.x, height));
    };
    for (let left = u.x; left < u.x + u.width; left = nextLine(left)) {
      const width = Math.min(nextLine(left), u.x + u.width) - left;
      const busy = moving(left, top) || plainShare(view, u, left, top, width, height) < PLAIN_SHARE;
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
