import type { FontInfo, Image, XEvent } from 'x11';
import type { ScreenRect } from '@ra/plugin-screen/api';
import { CONNECT_TIMEOUT_MS, XConnection } from './connection.js';
import type { Cover } from './desktop-guard.js';
import { latin1, MAX_ROWS, type BarAction, type BarRow } from './indicator-bar.js';
import { contains } from './region.js';
import { screenSize } from './screen.js';

/** The border's width in pixels, and its colours: amber while someone watches, red while someone controls. */
export const BORDER_PX = 5;
export const WATCHING_RGB = 0xf5a623;
export const CONTROLLING_RGB = 0xd0021b;
export const BAR_RGB = 0x1f2937;
const BUTTON_RGB = 0x374151;
const DANGER_RGB = 0x9b1c1c;
const TEXT_RGB = 0xffffff;
/** One row of the bar: a line of the core font with room around it. */
export const ROW_PX = 22;
const PAD_PX = 2;
const BAR_MAX_WIDTH = 760;
/** The core font every X server has. */
const FONT = 'fixed';
const Z_PIXMAP = 2;
const INPUT_OUTPUT = 1;
const EXPOSURE = 0x8000;
const BUTTON_PRESS = 0x4;
const VISIBILITY_CHANGE = 0x10000;
const STRUCTURE_NOTIFY = 0x20000;
const [STRING, WM_NAME, WM_CLASS] = [31, 39, 67];
/** WM_CLASS of the indicator's windows, so tools (and specs) can tell them. */
export const INDICATOR_CLASS = 'ra-desktop-indicator';
/** Another always-on-top window could fight for the top; re-raising is paced so neither floods the server. */
const RAISE_EVERY_MS = 200;

/**
 * The indicator's override-redirect windows on one display: four thin edges of a border (input
 * passes through them, by an empty SHAPE input region) and a bar at the top, a row for the headline
 * and one per helper when several, with their buttons. What lay under each window is read just
 * before it is shown: X keeps no copy of what a window covers, so that is what helpers go on seeing
 * there; the bar's is read for its tallest, so it can grow without showing itself.
 */
export class IndicatorWindows {
  private readonly gc: number;
  private barRect: ScreenRect;
  private rows: readonly BarRow[] = [];
  private hits: { rect: ScreenRect; action: BarAction }[] = [];
  private act: (action: BarAction) => void = () => undefined;
  private lastRaise = 0;
  private raiseTimer?: NodeJS.Timeout;
  /** Set once the screen changed size: these windows fit the old one. */
  private outdated = false;
  private outdatedListener: () => void = () => undefined;

  private constructor(
    private readonly conn: XConnection,
    private readonly edges: readonly Cover[],
    private readonly bar: number,
    private readonly screen: { readonly width: number; readonly height: number },
    /** The bar at its tallest, and what lies under that. */
    box: ScreenRect,
    private readonly under: Buffer,
    private readonly font: { readonly id: number; readonly charWidth: number; readonly ascent: number; readonly descent: number },
    /** Tells the guard where RA's windows are and what lay under them. */
    private readonly setCovers: (covers: Cover[]) => void,
  ) {
    this.barRect = { ...box, height: PAD_PX * 2 + ROW_PX };
    this.gc = conn.client.AllocID();
    conn.client.CreateGC(this.gc, bar, { foreground: TEXT_RGB, background: BAR_RGB, font: font.id });
    conn.client.on('event', (e) => this.onEvent(e));
  }

  static async open(display: string, setCovers: (covers: Cover[]) => void): Promise<IndicatorWindows> {
    const conn = await XConnection.open(display, { timeoutMs: CONNECT_TIMEOUT_MS, sharedMemory: false });
    try {
      const shape = await conn.extension('shape').catch(() => undefined);
      const { width, height } = await screenSize(conn);
      const fontId = conn.client.AllocID();
      conn.client.OpenFont(fontId, FONT);
      const info = await conn.request<FontInfo>((cb) => conn.client.QueryFont(fontId, cb));
      const font = { id: fontId, charWidth: info.maxBounds.characterWidth, ascent: info.fontAscent, descent: info.fontDescent };
      const t = BORDER_PX;
      const barWidth = Math.min(BAR_MAX_WIDTH, width - 2 * t - 20);
      const box = { x: Math.round((width - barWidth) / 2), y: t, width: barWidth, height: PAD_PX * 2 + MAX_ROWS * ROW_PX };
      const edgeRects = [
        { x: 0, y: 0, width, height: t },
        { x: 0, y: height - t, width, height: t },
        { x: 0, y: t, width: t, height: height - 2 * t },
        { x: width - t, y: t, width: t, height: height - 2 * t },
      ];
      const create = (r: ScreenRect, rgb: number, eventMask: number) => {
        const id = conn.client.AllocID();
        conn.client.CreateWindow(id, conn.screen.root, r.x, r.y, r.width, r.height, 0, 0, INPUT_OUTPUT, 0, {
          backgroundPixel: rgb,
          overrideRedirect: 1,
          eventMask,
        });
        conn.client.ChangeProperty(0, id, WM_CLASS, STRING, 8, Buffer.from(`${INDICATOR_CLASS}\0RA\0`, 'latin1'));
        conn.client.ChangeProperty(0, id, WM_NAME, STRING, 8, 'RA desktop indicator');
        return id;
      };
      const under = async (rect: ScreenRect) => {
        const image = await conn.request<Image>((cb) =>
          conn.client.GetImage(Z_PIXMAP, conn.screen.root, rect.x, rect.y, rect.width, rect.height, 0xffffffff, cb),
        );
        return Buffer.from(image.data.subarray(0, rect.width * rect.height * 4));
      };
      const edges: Cover[] = [];
      for (const rect of edgeRects) {
        const id = create(rect, WATCHING_RGB, VISIBILITY_CHANGE);
        // Clicks fall through the border to what is under it.
        shape?.Rectangles(shape.Op.Set, shape.Kind.Input, id, 0, 0, []);
        edges.push({ id, rect, under: await under(rect), guarded: false });
      }
      const bar = create({ ...box, height: PAD_PX * 2 + ROW_PX }, BAR_RGB, EXPOSURE | BUTTON_PRESS | VISIBILITY_CHANGE);
      // The root's ConfigureNotify says when the screen changes size.
      conn.client.ChangeWindowAttributes(conn.screen.root, { eventMask: STRUCTURE_NOTIFY });
      return new IndicatorWindows(conn, edges, bar, { width, height }, box, await under(box), font, setCovers);
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  /** Maps every window, above all others, once the guard knows them. */
  async map(): Promise<void> {
    this.publish();
    for (const { id } of this.edges) this.conn.client.MapWindow(id);
    this.conn.client.MapWindow(this.bar);
    await this.sync();
  }

  /** Colours the border for watching or control, and writes the bar's rows; `act` hears the novice's clicks on its buttons. */
  async show(controlling: boolean, rows: readonly BarRow[], act: (action: BarAction) => void): Promise<void> {
    for (const { id } of this.edges) {
      this.conn.client.ChangeWindowAttributes(id, { backgroundPixel: controlling ? CONTROLLING_RGB : WATCHING_RGB });
      this.conn.client.ClearArea(id, 0, 0, 0, 0, 0);
    }
    this.rows = rows.slice(0, MAX_ROWS);
    this.act = act;
    await this.fit(PAD_PX * 2 + Math.max(1, this.rows.length) * ROW_PX);
    this.draw();
    await this.sync();
  }

  close(): Promise<void> {
    clearTimeout(this.raiseTimer);
    return this.conn.close();
  }

  /** False once the connection is gone or the screen changed size: then a new set of windows is due. */
  get alive(): boolean {
    return this.conn.alive && !this.outdated;
  }

  /** Calls `listener` once the screen changed size. */
  onOutdated(listener: () => void): void {
    this.outdatedListener = listener;
  }

  onLost(listener: (reason: string) => void): void {
    this.conn.onLost(listener);
  }

  private publish(): void {
    const { width, height } = this.barRect;
    const bar = { id: this.bar, rect: this.barRect, under: this.under.subarray(0, width * height * 4), guarded: true };
    this.setCovers([...this.edges, bar]);
  }

  /** Grows or shrinks the bar: the guard's cover of it is never smaller than the bar on the screen. */
  private async fit(height: number): Promise<void> {
    if (height === this.barRect.height) return;
    const growing = height > this.barRect.height;
    const resized = { ...this.barRect, height };
    if (growing) {
      this.barRect = resized;
      this.publish();
    }
    this.conn.client.ConfigureWindow(this.bar, { height });
    if (growing) return;
    await this.sync();
    this.barRect = resized;
    this.publish();
  }

  private draw(): void {
    const c = this.conn.client;
    const { width, height } = this.barRect;
    const { charWidth, ascent, descent } = this.font;
    c.ChangeGC(this.gc, { foreground: BAR_RGB });
    c.PolyFillRectangle(this.bar, this.gc, [0, 0, width, height]);
    this.hits = [];
    this.rows.forEach((row, i) => {
      const top = PAD_PX + i * ROW_PX;
      const baseline = top + Math.round((ROW_PX + ascent - descent) / 2);
      let right = width - 4;
      for (const button of [...row.buttons].reverse()) {
        const w = button.label.length * charWidth + 16;
        const rect = { x: right - w, y: top + 2, width: w, height: ROW_PX - 4 };
        right -= w + 6;
        const fill = button.danger ? DANGER_RGB : BUTTON_RGB;
        c.ChangeGC(this.gc, { foreground: fill });
        c.PolyFillRectangle(this.bar, this.gc, [rect.x, rect.y, rect.width, rect.height]);
        c.ChangeGC(this.gc, { foreground: TEXT_RGB, background: fill });
        c.PolyText8(this.bar, this.gc, rect.x + 8, baseline, [latin1(button.label, 254)]);
        this.hits.push({ rect, action: button.action });
      }
      const line = latin1(row.text, Math.max(0, Math.floor((right - 10) / charWidth)));
      c.ChangeGC(this.gc, { foreground: TEXT_RGB, background: BAR_RGB });
      if (line) c.PolyText8(this.bar, this.gc, 8, baseline, [line]);
    });
  }

  private onEvent(e: XEvent): void {
    if (e.name === 'ConfigureNotify' && e.wid === this.conn.screen.root && (e.width !== this.screen.width || e.height !== this.screen.height)) {
      this.outdated = true;
      this.outdatedListener();
    } else if (e.name === 'Expose' && e.wid === this.bar && e.count === 0) this.draw();
    else if (e.name === 'ButtonPress' && e.wid === this.bar && e.keycode === 1) {
      const hit = this.hits.find((h) => contains(h.rect, e.x, e.y));
      if (hit) this.act(hit.action);
    } else if (e.name === 'VisibilityNotify' && e.state !== 0) this.raise();
  }

  /** Back on top at once, or at the end of the pace when it just was: a window covering it never wins for long. */
  private raise(): void {
    if (this.raiseTimer) return;
    const wait = Math.max(0, this.lastRaise + RAISE_EVERY_MS - Date.now());
    this.raiseTimer = setTimeout(() => {
      this.raiseTimer = undefined;
      this.lastRaise = Date.now();
      if (this.conn.alive) for (const id of [...this.edges.map((e) => e.id), this.bar]) this.conn.client.RaiseWindow(id);
    }, wait);
  }

  private sync(): Promise<unknown> {
    return this.conn.request((cb) => this.conn.client.GetInputFocus(cb));
  }
}
