/** Test and benchmark pictures for the screen codec: a BGRX canvas, a glyph-like font, a typed line. */
import type { ScreenUpdate } from '../../common/api.js';
import { StreamInflater } from '../../browser/inflater.js';
import type { Inflater } from '../../common/inflater.js';
import { NodeInflater } from '../inflater.js';

/** Both inflaters, named; the stream one gives up on a stalled chunk quickly, for the tests. */
export const INFLATERS: [string, () => Inflater][] = [
  ['node zlib', () => new NodeInflater()],
  ['DecompressionStream', () => new StreamInflater(100)],
];

/** A small deterministic PRNG (mulberry32), so every run draws the same pictures. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export type Rgb = readonly [number, number, number];

/** A screen of 32-bit BGRX pixels, as a capture source holds it. */
export class Canvas {
  readonly data: Uint8Array;
  readonly stride: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.stride = width * 4;
    this.data = new Uint8Array(this.stride * height);
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    const o = y * this.stride + x * 4;
    this.data[o] = b;
    this.data[o + 1] = g;
    this.data[o + 2] = r;
    // The X byte is junk in real captures; the codec must ignore it.
    this.data[o + 3] = (x * 7 + y) & 255;
  }

  fill(x: number, y: number, width: number, height: number, colour: Rgb): void {
    for (let r = y; r < y + height; r++) for (let c = x; c < x + width; c++) this.set(c, r, colour);
  }

  /** The rect as a capture update: a view into this canvas with its stride. */
  update(x: number, y: number, width: number, height: number): ScreenUpdate {
    const start = y * this.stride + x * 4;
    return { x, y, width, height, stride: this.stride, data: this.data.subarray(start, start + this.stride * (height - 1) + width * 4) };
  }

  full(): ScreenUpdate {
    return this.update(0, 0, this.width, this.height);
  }

  /** The picture as RGBA with opaque alpha, as a decoder should see it. */
  rgba(): Uint8Array {
    const out = new Uint8Array(this.width * this.height * 4);
    for (let i = 0; i < out.length; i += 4) {
      out[i] = this.data[i + 2];
      out[i + 1] = this.data[i + 1];
      out[i + 2] = this.data[i];
      out[i + 3] = 255;
    }
    return out;
  }
}

export const CELL_WIDTH = 8;
export const CELL_HEIGHT = 13;

/**
 * A glyph-like 8×13 font, shaped like X's misc-fixed: one-pixel strokes in columns 1–6, capitals,
 * digits and b d f h k l t on rows 2–10, other lower case on the x-height rows 5–10 (g j p q y with
 * descenders to 12), punctuation a few strokes. Each character draws a fixed pseudo-random set of the
 * bars, stems and diagonals such fonts are made of, so rows repeat down stems and the margins stay
 * blank. It averages 7.5 rows with ink per glyph; misc-fixed 8×13 has 7.6.
 */
export function glyphFont(): Uint8Array[] {
  const font: Uint8Array[] = [];
  for (let code = 0; code < 128; code++) {
    const rows = new Uint8Array(CELL_HEIGHT);
    const next = random(code * 977 + 13);
    const char = String.fromCharCode(code);
    const small = /[ac-egim-suv-z]/.test(char);
    const strokes = /[A-Za-z0-9]/.test(char) ? letterStrokes(small ? 5 : 2, 10, /[gjpqy]/.test(char)) : punctuation;
    const wanted = /[A-Za-z0-9]/.test(char) ? 3 + Math.floor(next() * 3) : 2 + Math.floor(next() * 2);
    for (let drawn = 0; code > 32 && drawn < wanted; drawn++) line(rows, ...strokes[Math.floor(next() * strokes.length)]);
    font.push(rows);
  }
  return font;
}

type Stroke = readonly [number, number, number, number];

function letterStrokes(top: number, base: number, descender: boolean): Stroke[] {
  const middle = (top + base) >> 1;
  return [
    [1, top, 6, top],
    [1, middle, 6, middle],
    [1, base, 6, base], // bars
    [1, top, 1, base],
    [6, top, 6, base],
    [3, top, 3, base],
    [1, top, 1, middle],
    [6, middle, 6, base], // stems
    [1, top, 6, base],
    [6, top, 1, base],
    [1, base, 3, top], // diagonals
    ...(descender
      ? ([
          [6, middle, 6, 12],
          [2, 12, 6, 12],
        ] as Stroke[])
      : []),
  ];
}

const punctuation: Stroke[] = [
  [3, 9, 3, 10],
  [3, 2, 3, 7],
  [2, 6, 5, 6],
  [1, 10, 6, 2],
  [2, 4, 5, 4],
  [3, 3, 4, 3],
  [1, 12, 6, 12],
  [2, 2, 2, 10],
  [5, 4, 2, 7],
];

function line(rows: Uint8Array, x0: number, y0: number, x1: number, y1: number): void {
  const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
  for (let i = 0; i <= steps; i++) {
    const x = Math.round(x0 + ((x1 - x0) * i) / steps);
    const y = Math.round(y0 + ((y1 - y0) * i) / steps);
    rows[y] |= 0x80 >> x;
  }
}

export function drawGlyph(canvas: Canvas, glyph: Uint8Array, x: number, y: number, fg: Rgb, bg: Rgb): void {
  for (let r = 0; r < CELL_HEIGHT; r++) {
    for (let c = 0; c < CELL_WIDTH; c++) canvas.set(x + c, y + r, glyph[r] & (0x80 >> c) ? fg : bg);
  }
}

export const PAPER: Rgb = [255, 255, 255];
export const INK: Rgb = [0, 0, 0];

/** Printable ASCII without the space, as typed into a terminal. */
export function randomText(length: number, seed: number): string {
  const next = random(seed);
  return Array.from({ length }, () => String.fromCharCode(33 + Math.floor(next() * 94))).join('');
}

/**
 * A terminal: a 640-wide screen, a line at row `y`, a block cursor. `type` draws one character and
 * moves the cursor; it returns the damage as the capture would report it.
 */
export class Terminal {
  readonly canvas: Canvas;
  readonly font = glyphFont();
  column = 0;

  constructor(
    width = 640,
    height = 480,
    readonly y = 13 * 4,
  ) {
    this.canvas = new Canvas(width, height);
    this.canvas.fill(0, 0, width, height, PAPER);
    this.canvas.fill(0, y, CELL_WIDTH, CELL_HEIGHT, INK);
  }

  /** Types one character; `split` reports the glyph cell and the new cursor cell as two rects, else their union. */
  type(char: string, split = false): ScreenUpdate[] {
    const x = this.column * CELL_WIDTH;
    drawGlyph(this.canvas, this.font[char.charCodeAt(0) & 127], x, this.y, INK, PAPER);
    this.canvas.fill(x + CELL_WIDTH, this.y, CELL_WIDTH, CELL_HEIGHT, INK);
    this.column++;
    return split
      ? [this.canvas.update(x, this.y, CELL_WIDTH, CELL_HEIGHT), this.canvas.update(x + CELL_WIDTH, this.y, CELL_WIDTH, CELL_HEIGHT)]
      : [this.canvas.update(x, this.y, 2 * CELL_WIDTH, CELL_HEIGHT)];
  }
}

/** Writes `lines` of random text into a window at x, y. */
export function drawText(canvas: Canvas, font: Uint8Array[], x: number, y: number, columns: number, lines: number, seed: number, fg = INK, bg = PAPER): void {
  const next = random(seed);
  for (let line = 0; line < lines; line++) {
    const text = randomText(Math.floor(columns * (0.3 + 0.7 * next())), seed + line);
    canvas.fill(x, y + line * CELL_HEIGHT, columns * CELL_WIDTH, CELL_HEIGHT, bg);
    for (let i = 0; i < text.length; i++) drawGlyph(canvas, font[text.charCodeAt(i)], x + i * CELL_WIDTH, y + line * CELL_HEIGHT, fg, bg);
  }
}

/** A plain 1920×1080 desktop: flat background, a panel, two windows, one a full terminal. */
export function plainDesktop(): Canvas {
  const canvas = new Canvas(1920, 1080);
  const font = glyphFont();
  canvas.fill(0, 0, 1920, 1080, [58, 110, 165]);
  canvas.fill(0, 1050, 1920, 30, [40, 40, 40]);
  canvas.fill(200, 100, 1000, 700, [200, 200, 200]);
  drawText(canvas, font, 204, 124, 124, 51, 7);
  canvas.fill(1300, 300, 500, 400, [240, 240, 240]);
  canvas.fill(1300, 300, 500, 24, [60, 60, 90]);
  drawText(canvas, font, 1310, 340, 60, 20, 8, [30, 30, 30], [240, 240, 240]);
  return canvas;
}

/** A busy 1920×1080 desktop: a noisy gradient wallpaper (over 256 colours per tile) with the plain desktop's windows. */
export function busyDesktop(): Canvas {
  const canvas = plainDesktop();
  const next = random(99);
  for (let y = 0; y < 1080; y++) {
    for (let x = 0; x < 1920; x++) {
      const inWindow = (x >= 200 && x < 1200 && y >= 100 && y < 800) || (x >= 1300 && x < 1800 && y >= 300 && y < 700);
      if (inWindow || y >= 1050) continue;
      const noise = Math.floor(next() * 4);
      canvas.set(x, y, [(x >> 3) + noise, (y >> 2) + noise, ((x + y) >> 4) + noise]);
    }
  }
  return canvas;
}
