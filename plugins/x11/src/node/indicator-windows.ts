import type { Image, XEvent } from 'x11';
import type { ScreenRect } from '@ra/plugin-screen/api';
import { CONNECT_TIMEOUT_MS, XConnection } from './connection.js';
import type { Cover } from './desktop-guard.js';
import { contains } from './region.js';
import { screenSize } from './screen.js';

/** The border's width in pixels, and its colours: amber while someone watches, red while someone controls. */
export const BORDER_PX = 5;
export const WATCHING_RGB = 0xf5a623;
export const CONTROLLING_RGB = 0xd0021b;
const BAR_RGB = 0x1f2937;
const BUTTON_RGB = 0x374151;
const TEXT_RGB = 0xffffff;
const BAR_HEIGHT = 26;
const BAR_MAX_WIDTH = 760;
/** The core font every X server has: 6×13 pixels a character. */
const FONT = 'fixed';
const CHAR_PX = 6;
const Z_PIXMAP = 2;
const INPUT_OUTPUT = 1;
const EXPOSURE = 0x8000;
const BUTTON_PRESS = 0x4;
const VISIBILITY_CHANGE = 0x10000;
/** Another always-on-top window could fight for the top; re-raising is paced so neither floods the server. */
const RAISE_EVERY_MS = 200;

export interface BarButton {
  readonly label: string;
  readonly press: () => void;
}

/**
 * The indicator's override-redirect windows on one display: four thin edges of a border (input
 * passes through them, by an empty SHAPE input region) and a bar at the top with a line of text and
 * buttons. What lay under each window is read just before it is shown: X keeps no copy of what a
 * window covers, so that is what helpers go on seeing there.
 */
export class IndicatorWindows {
  private readonly gc: number;
  private buttons: { rect: ScreenRect; press: () => void }[] = [];
  private text = '';
  private labels: BarButton[] = [];
  private lastRaise = 0;
  private raiseTimer?: NodeJS.Timeout;

  private constructor(
    private readonly conn: XConnection,
    private readonly edges: readonly number[],
    readonly bar: number,
    private readonly barRect: ScreenRect,
    readonly covers: Cover[],
  ) {
    this.gc = conn.client.AllocID();
    const font = conn.client.AllocID();
    conn.client.OpenFont(font, FONT);
    conn.client.CreateGC(this.gc, bar, { foreground: TEXT_RGB, background: BAR_RGB, font });
    conn.client.on('event', (e) => this.onEvent(e));
  }

  static async open(display: string): Promise<IndicatorWindows> {
    const conn = await XConnection.open(display, { timeoutMs: CONNECT_TIMEOUT_MS, sharedMemory: false });
    try {
      const shape = await conn.extension('shape').catch(() => undefined);
      const { width, height } = await screenSize(conn);
      const t = BORDER_PX;
      const barWidth = Math.min(BAR_MAX_WIDTH, width - 2 * t - 20);
      const barRect = { x: Math.round((width - barWidth) / 2), y: t, width: barWidth, height: BAR_HEIGHT };
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
        return id;
      };
      const edges = edgeRects.map((r) => create(r, WATCHING_RGB, VISIBILITY_CHANGE));
      // Clicks fall through the border to what is under it.
      if (shape) for (const id of edges) shape.Rectangles(shape.Op.Set, shape.Kind.Input, id, 0, 0, []);
      const bar = create(barRect, BAR_RGB, EXPOSURE | BUTTON_PRESS | VISIBILITY_CHANGE);
      const under = async (id: number, rect: ScreenRect, guarded: boolean): Promise<Cover> => {
        const image = await conn.request<Image>((cb) =>
          conn.client.GetImage(Z_PIXMAP, conn.screen.root, rect.x, rect.y, rect.width, rect.height, 0xffffffff, cb),
        );
        return { id, rect, under: Buffer.from(image.data), guarded };
      };
      const covers = await Promise.all([...edges.map((id, i) => under(id, edgeRects[i], false)), under(bar, barRect, true)]);
      return new IndicatorWindows(conn, edges, bar, barRect, covers);
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  /** Maps every window, above all others. */
  async map(): Promise<void> {
    for (const id of [...this.edges, this.bar]) this.conn.client.MapWindow(id);
    await this.sync();
  }

  /** Colours the border for watching or control and writes the bar's line and buttons. */
  async show(controlling: boolean, text: string, buttons: BarButton[]): Promise<void> {
    for (const id of this.edges) {
      this.conn.client.ChangeWindowAttributes(id, { backgroundPixel: controlling ? CONTROLLING_RGB : WATCHING_RGB });
      this.conn.client.ClearArea(id, 0, 0, 0, 0, 0);
    }
    this.text = text;
    this.labels = buttons;
    this.draw();
    await this.sync();
  }

  close(): Promise<void> {
    clearTimeout(this.raiseTimer);
    return this.conn.close();
  }

  get alive(): boolean {
    return this.conn.alive;
  }

  onLost(listener: (reason: string) => void): void {
    this.conn.onLost(listener);
  }

  private draw(): void {
    const { width, height } = this.barRect;
    const c = this.conn.client;
    c.ChangeGC(this.gc, { foreground: BAR_RGB });
    c.PolyFillRectangle(this.bar, this.gc, [0, 0, width, height]);
    this.buttons = [];
    let right = width - 4;
    for (const button of [...this.labels].reverse()) {
      const w = button.label.length * CHAR_PX + 16;
      const rect = { x: right - w, y: 3, width: w, height: height - 6 };
      right -= w + 6;
      c.ChangeGC(this.gc, { foreground: BUTTON_RGB });
      c.PolyFillRectangle(this.bar, this.gc, [rect.x, rect.y, rect.width, rect.height]);
      c.ChangeGC(this.gc, { foreground: TEXT_RGB, background: BUTTON_RGB });
      c.PolyText8(this.bar, this.gc, rect.x + 8, 17, [latin1(button.label)]);
      this.buttons.push({ rect, press: button.press });
    }
    const room = Math.max(0, Math.floor((right - 10) / CHAR_PX));
    const line = this.text.length > room ? `${this.text.slice(0, Math.max(0, room - 1))}…` : this.text;
    c.ChangeGC(this.gc, { foreground: TEXT_RGB, background: BAR_RGB });
    if (line) c.PolyText8(this.bar, this.gc, 8, 17, [latin1(line)]);
  }

  private onEvent(e: XEvent): void {
    if (e.name === 'Expose' && e.wid === this.bar && e.count === 0) this.draw();
    else if (e.name === 'ButtonPress' && e.wid === this.bar) this.buttons.find((b) => contains(b.rect, e.x, e.y))?.press();
    else if (e.name === 'VisibilityNotify' && e.state !== 0) this.raise();
  }

  /** Back on top at once, or at the end of the pace when it just was: a window covering it never wins for long. */
  private raise(): void {
    if (this.raiseTimer) return;
    const wait = Math.max(0, this.lastRaise + RAISE_EVERY_MS - Date.now());
    this.raiseTimer = setTimeout(() => {
      this.raiseTimer = undefined;
      this.lastRaise = Date.now();
      if (this.conn.alive) for (const id of [...this.edges, this.bar]) this.conn.client.RaiseWindow(id);
    }, wait);
  }

  private sync(): Promise<unknown> {
    return this.conn.request((cb) => this.conn.client.GetInputFocus(cb));
  }
}

/** PolyText8 sends Latin-1: anything else shows as '?'. */
function latin1(text: string): string {
  const plain: Record<string, string> = { '…': '...', '—': '-', '–': '-', '“': '"', '”': '"', '’': "'" };
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, (ch) => plain[ch] ?? '?').slice(0, 254);
}
