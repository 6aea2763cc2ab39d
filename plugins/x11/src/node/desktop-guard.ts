import { setTimeout as sleep } from 'node:timers/promises';
import { toDisposable, type Disposable, type Logger } from '@ra/kernel';
import type { ScreenRect } from '@ra/plugin-screen/api';
import type { XEvent } from 'x11';
import { CONNECT_TIMEOUT_MS, XConnection } from './connection.js';
import { contains, intersect, subtract, union } from './region.js';
import type { Grab } from './shadow.js';
import { protectedBy, windowName } from './window-rules.js';
import { WindowSurvey, type SeenWindow } from './window-survey.js';

/** SubstructureNotify on the root: windows created, mapped, unmapped, moved, restacked, reparented, destroyed. */
const SUBSTRUCTURE_NOTIFY_MASK = 0x80000;
const [WM_NAME, WM_CLASS] = [39, 67];
/** A protected window seen through more pieces than this is hidden whole. */
const MAX_PIECES = 64;
/** Areas one grab collects before it keeps their bounding box. */
const MAX_TOUCHED = 64;
/**
 * A browser retitles its window some milliseconds after a click or a shortcut switched its tab
 * (Chromium: 5 to 80 ms measured), so a press that soon after one of those is judged only once this
 * long has passed: a click on RA's tab and one on Accept right after would otherwise find the window
 * still titled as the tab before. Two presses of a double-click stay well within its 400 ms.
 */
export const SETTLE_MS = 300;
/** Somewhere not known: the whole screen, whatever its size. */
const EVERYWHERE: ScreenRect = { x: 0, y: 0, width: 0x7fff, height: 0x7fff };

/** A window of RA's own on the desktop (the indicator): what lay under it is what helpers keep seeing there. */
export interface Cover {
  readonly id: number;
  readonly rect: ScreenRect;
  /** BGRX, `rect.width * 4` bytes a row: the screen under it just before it was shown. */
  readonly under: Buffer;
  /** Whether helper input there is dropped: the bar's buttons are the novice's alone. */
  readonly guarded: boolean;
}

/** A viewable protected window. */
export interface Shielded {
  readonly rect: ScreenRect;
  readonly name: string;
}

/** One grab under way: what it must hide is known once it is done. */
export interface GrabMask {
  /** Makes `grab`, taken of `rect`, what helpers may see; resolves to the parts blacked out only for want of knowing, to grab again. */
  finish(rect: ScreenRect, grab: Grab): Promise<ScreenRect[]>;
}

interface Known extends SeenWindow {
  /** Set when a rule protects it: what the novice reads. */
  readonly name?: string;
}

/**
 * What helpers may not see or touch on one display: the windows the protected-window rules match,
 * where no other window covers them, and RA's own indicator. The capture paints through it, the
 * input target asks it before each event, the indicator tells the novice what it hides and drops.
 * The window list is read again whenever X reports a window created, mapped, moved, restacked or
 * renamed; a press is judged only after a round trip has brought every such report in.
 */
export class DesktopGuard implements Disposable {
  private windows: Known[] = [];
  private covers: Cover[] = [];
  /** Where windows are by the events since the survey that last read them, and which survey that was. */
  private readonly latest = new Map<number, { readonly rect: ScreenRect; readonly survey: number }>();
  private surveys = 0;
  /** Where something protected may show that the window list does not say: what events named since the survey under way began, and before. */
  private pending: ScreenRect[] = [];
  private inSurvey: ScreenRect[] = [];
  /** For each grab under way: where something protected may have shown while it ran. */
  private readonly grabs = new Set<ScreenRect[]>();
  private masked: ScreenRect[] = [];
  private surveying: Promise<void> = Promise.resolve();
  /** Until when the last press let through may still change what is in front. */
  private settling = 0;
  /** Why the windows could not be read last time: until they can, nothing is shown and no press goes through. */
  private unreadable?: string;
  private queued = false;
  private readonly listeners = new Set<(areas: ScreenRect[]) => void>();
  private readonly dropListeners = new Set<() => void>();
  /** Helper presses and keys dropped, by the name of what they were aimed at. */
  readonly dropped = new Map<string, number>();

  private constructor(
    private readonly conn: XConnection,
    private readonly survey: WindowSurvey,
    private readonly netWmName: number,
    private readonly rules: () => readonly string[],
    private readonly logger?: Logger,
  ) {}

  static async open(display: string, rules: () => readonly string[], logger?: Logger): Promise<DesktopGuard> {
    const conn = await XConnection.open(display, {
      timeoutMs: CONNECT_TIMEOUT_MS,
      sharedMemory: false,
      // Windows come and go between two requests about them; the survey reads them again.
      onProtocolError: (e) => logger?.debug(`ra.x11: X error from ${display} while reading its windows: ${e.message}`),
    });
    try {
      const netWmName = await conn.request<number>((cb) => conn.client.InternAtom(false, '_NET_WM_NAME', cb));
      const guard = new DesktopGuard(conn, new WindowSurvey(conn), netWmName, rules, logger);
      conn.client.on('event', (e) => guard.onEvent(e));
      conn.client.ChangeWindowAttributes(conn.screen.root, { eventMask: SUBSTRUCTURE_NOTIFY_MASK });
      await guard.update();
      return guard;
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  /** The viewable protected windows, bottom to top, covered or not. */
  get protectedWindows(): readonly Shielded[] {
    return this.windows.filter((w) => w.viewable && w.name).map((w) => ({ rect: w.rect, name: w.name! }));
  }

  /** The parts of protected windows that show: no window above covers them (RA's own are see-through here). */
  hidden(): ScreenRect[] {
    const shown = this.windows.filter((w) => w.viewable && !this.isCover(w.id));
    return shown.flatMap((w, i) => {
      if (!w.name) return [];
      let pieces = [w.rect];
      for (const above of shown.slice(i + 1)) {
        pieces = pieces.flatMap((p) => subtract(p, above.rect));
        if (pieces.length > MAX_PIECES) return [w.rect];
      }
      return pieces;
    });
  }

  /** Calls `listener` with the screen areas whose picture changed meaning (a window became protected or stopped being, RA's own came or went). */
  onChange(listener: (areas: ScreenRect[]) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }

  /** Calls `listener` after each helper press or key dropped. */
  onDrop(listener: () => void): Disposable {
    this.dropListeners.add(listener);
    return toDisposable(() => void this.dropListeners.delete(listener));
  }

  /** Reads the windows again, e.g. after the rules changed; resolves once the new list is in force. */
  update(): Promise<void> {
    if (!this.queued) {
      this.queued = true;
      this.surveying = this.surveying.then(() => this.resurvey());
    }
    return this.surveying;
  }

  /** Resolves once the window list holds every change the X server made before this call. */
  async fresh(): Promise<void> {
    // The reply comes after every event sent before it, and each of those queued a survey.
    await this.conn.request((cb) => this.conn.client.GetInputFocus(cb));
    // After a failure, each look tries again.
    await (this.unreadable ? this.update() : this.surveying);
  }

  /** Shows RA's own windows to the guard: helpers keep the old pixels there, and the guarded ones take no helper input. */
  setCovers(covers: Cover[]): void {
    // What a protected window showed under them must not come back when it goes.
    for (const cover of covers) this.blacken(cover.rect, { data: cover.under, stride: cover.rect.width * 4 }, this.hidden());
    this.covers = covers;
    this.tellChanges();
  }

  /**
   * Starts a grab. X11 cannot read what lies under a window without the Composite extension
   * redirecting every window, so the grab shows RA's windows as what lay under them when they came.
   * It blacks out what was protected before it and after it, and wherever events said a protected
   * (or not yet read) window was, came or went since the window list was read: those last parts,
   * blacked out for want of knowing, are for the capture to grab again.
   */
  beginGrab(): GrabMask {
    const unsure = [...this.inSurvey, ...this.pending];
    const before = this.hidden();
    this.grabs.add(unsure);
    return {
      finish: async (rect, grab) => {
        try {
          await this.fresh();
        } catch {
          // The windows cannot be read: nothing of this grab is shown.
          this.blacken(rect, grab, [rect]);
          return [];
        } finally {
          this.grabs.delete(unsure);
        }
        this.paint(rect, grab, this.unreadable ? [rect] : [...before, ...this.hidden(), ...unsure]);
        return unsure.flatMap((r) => intersect(rect, r) ?? []);
      },
    };
  }

  /**
   * Why a helper's pointer event at (x, y) must be dropped. A press, wheel or release is judged on
   * the windows as they are this instant; a move, which clicks nothing, on the windows last read.
   * Presses and wheel turns are counted.
   */
  async pointerRefusal(kind: 'move' | 'down' | 'up' | 'wheel', x: number, y: number): Promise<string | undefined> {
    if (kind === 'move') return this.refusalAt(x, y, false);
    const press = kind === 'down' || kind === 'wheel';
    if (kind === 'down') await this.settled();
    await this.fresh();
    return this.letThrough(this.refusalAt(x, y, press), press);
  }

  /**
   * Why a helper's key press must be dropped: the focus (or, following the pointer, the pointer) is
   * on a protected window. `chord`: the helper holds Control, Alt or Super, as a shortcut that may
   * switch a tab or a window does; what follows it waits as it would after a click.
   */
  async keyRefusal(pointer: () => Promise<{ x: number; y: number }>, chord: boolean): Promise<string | undefined> {
    await this.settled();
    const focused = await this.survey.focused();
    if (focused === 'pointer') {
      const { x, y } = await pointer();
      await this.fresh();
      return this.letThrough(this.refusalAt(x, y, true), chord);
    }
    if (this.unreadable) return `${this.unreadable}: helper input is dropped until they can be`;
    const name = focused && !this.isCover(focused.id) ? this.nameOf(focused) : undefined;
    return this.letThrough(name && this.refuse(name, true), chord);
  }

  dispose(): Promise<void> {
    this.listeners.clear();
    this.dropListeners.clear();
    this.grabs.clear();
    return this.conn.close();
  }

  /** Waits out SETTLE_MS after the last press let through that may have changed what is in front. */
  private async settled(): Promise<void> {
    const wait = this.settling - Date.now();
    if (wait > 0) await sleep(wait);
  }

  private letThrough(refusal: string | undefined, settles: boolean): string | undefined {
    if (!refusal && settles) this.settling = Date.now() + SETTLE_MS;
    return refusal;
  }

  private refusalAt(x: number, y: number, counted: boolean): string | undefined {
    if (this.unreadable) return `${this.unreadable}: helper input is dropped until they can be`;
    if (this.covers.some((c) => c.guarded && contains(c.rect, x, y))) return this.refuse("RA's desktop indicator", counted);
    // The window that gets a click there: the topmost one, not what lies under it.
    const top = this.windows.findLast((w) => w.viewable && !this.isCover(w.id) && contains(w.rect, x, y));
    return top?.name ? this.refuse(top.name, counted) : undefined;
  }

  private refuse(name: string, counted: boolean): string {
    if (counted) {
      const count = (this.dropped.get(name) ?? 0) + 1;
      this.dropped.set(name, count);
      if (count === 1) this.logger?.info(`ra.x11: dropped helper input aimed at ${name}, which is protected; the desktop indicator counts the rest`);
      for (const listener of this.dropListeners) listener();
    }
    return `${name} is protected on this computer: helper input there is dropped`;
  }

  private nameOf(window: SeenWindow): string | undefined {
    return protectedBy(this.rules(), window.facts) ? windowName(window.facts) : undefined;
  }

  private isCover(id: number): boolean {
    return this.covers.some((c) => c.id === id);
  }

  private onEvent(e: XEvent): void {
    const root = this.conn.screen.root;
    switch (e.name) {
      case 'CreateNotify':
        // Nothing shows before it is mapped; where it is matters then.
        if (e.parent === root) this.latest.set(e.wid, { rect: outer(e), survey: this.surveys });
        break;
      case 'ConfigureNotify':
        if (e.wid !== root || e.wid1 === root) return;
        this.changed(e.wid1, outer(e));
        this.latest.set(e.wid1, { rect: outer(e), survey: this.surveys });
        break;
      case 'MapNotify':
      case 'UnmapNotify':
      case 'DestroyNotify':
      case 'CirculateNotify':
      case 'GravityNotify':
        this.changed(e.wid);
        break;
      case 'ReparentNotify':
        this.changed(e.wid);
        // A window manager's frame took a client in: the frame speaks for it now.
        if (e.parent !== root) this.touch(this.whereIs(this.survey.forget(e.parent) ?? e.parent) ?? EVERYWHERE);
        break;
      case 'PropertyNotify': {
        if (e.atom !== WM_NAME && e.atom !== WM_CLASS && e.atom !== this.netWmName) return;
        // Until read again it may say anything: a title that just became a bank's.
        const top = this.survey.forget(e.wid);
        if (top !== undefined) this.touch(this.whereIs(top));
        break;
      }
      default:
        return;
    }
    void this.update();
  }

  /** Window `id` moved (to `to`), was restacked, mapped, unmapped or went: a grab under way hides wherever that may have shown something protected. */
  private changed(id: number, to?: ScreenRect): void {
    if (this.isCover(id)) return;
    const w = this.find(id);
    const at = this.whereIs(id);
    if (!w || w.name || !this.survey.known(id)) this.touch(at ?? EVERYWHERE, to);
    // An ordinary window that moves or goes may uncover a protected one; one that comes only covers more.
    else if (w.viewable && at) for (const p of this.protectedWindows) this.touch(intersect(at, p.rect));
  }

  private find(id: number): Known | undefined {
    return this.windows.find((w) => w.id === id);
  }

  /** Where window `id` is by the latest word on it. */
  private whereIs(id: number): ScreenRect | undefined {
    return this.latest.get(id)?.rect ?? this.find(id)?.rect;
  }

  private touch(...rects: (ScreenRect | undefined)[]): void {
    for (const rect of rects) {
      if (!rect) continue;
      for (const list of [this.pending, ...this.grabs]) {
        list.push(rect);
        if (list.length > MAX_TOUCHED) list.splice(0, list.length, list.reduce(union));
      }
    }
  }

  private async resurvey(): Promise<void> {
    this.queued = false;
    if (!this.conn.alive) return;
    // What events said so far, this survey reads; what they say from now on, the next one.
    const survey = ++this.surveys;
    this.inSurvey.push(...this.pending.splice(0));
    if (this.inSurvey.length > MAX_TOUCHED) this.inSurvey = [this.inSurvey.reduce(union)];
    try {
      const seen = await this.survey.windows();
      this.windows = seen.map((w) => ({ ...w, name: this.isCover(w.id) ? undefined : this.nameOf(w) }));
      this.inSurvey = [];
      for (const [id, { survey: by }] of [...this.latest]) if (by < survey) this.latest.delete(id);
      const recovered = this.unreadable !== undefined;
      this.unreadable = undefined;
      this.tellChanges();
      if (recovered) {
        this.logger?.info(`ra.x11: the windows of ${this.conn.name} can be read again`);
        for (const listener of this.listeners) listener([EVERYWHERE]);
      }
    } catch (e) {
      if (!this.conn.alive) return;
      const why = `the windows of ${this.conn.name} cannot be read (${(e as Error).message})`;
      if (why !== this.unreadable) this.logger?.warn(`ra.x11: ${why}; helpers see nothing and their input is dropped until they can`);
      this.unreadable = why;
      // Everything is to be grabbed again once they can.
      for (const listener of this.listeners) listener([EVERYWHERE]);
    }
  }

  /** RA's windows show what lay under them, then what is protected is black: an underlay may hold part of it. */
  private paint(rect: ScreenRect, grab: Grab, black: readonly ScreenRect[]): void {
    for (const cover of this.covers) {
      const part = intersect(rect, cover.rect);
      if (!part) continue;
      for (let row = 0; row < part.height; row++) {
        const from = (part.y - cover.rect.y + row) * cover.rect.width * 4 + (part.x - cover.rect.x) * 4;
        cover.under.copy(grab.data, (part.y - rect.y + row) * grab.stride + (part.x - rect.x) * 4, from, from + part.width * 4);
      }
    }
    this.blacken(rect, grab, black);
  }

  private blacken(rect: ScreenRect, grab: Grab, areas: readonly ScreenRect[]): void {
    for (const area of areas) {
      const part = intersect(rect, area);
      if (!part) continue;
      for (let row = 0; row < part.height; row++) {
        const at = (part.y - rect.y + row) * grab.stride + (part.x - rect.x) * 4;
        grab.data.fill(0, at, at + part.width * 4);
      }
    }
  }

  /** Tells the listeners where the picture must be grabbed again, when what is hidden or RA's windows changed. */
  private tellChanges(): void {
    const masked = [...this.hidden(), ...this.covers.map((c) => c.rect)];
    if (JSON.stringify(masked) === JSON.stringify(this.masked)) return;
    const areas = [...this.masked, ...masked];
    this.masked = masked;
    for (const listener of this.listeners) listener(areas);
  }
}

function outer(e: { x: number; y: number; width: number; height: number; borderWidth: number }): ScreenRect {
  return { x: e.x, y: e.y, width: e.width + 2 * e.borderWidth, height: e.height + 2 * e.borderWidth };
}

/** A hold on a display's guard: dispose lets go of it. */
export type GuardLease = { readonly guard: DesktopGuard } & Disposable;

/** One DesktopGuard per display, shared by the captures, input targets and indicator on it while any of them needs it. */
export class DesktopGuards implements Disposable {
  private readonly open = new Map<string, { guard: Promise<DesktopGuard>; users: number }>();

  constructor(
    private readonly rules: () => readonly string[],
    private readonly logger?: Logger,
  ) {}

  /** The guard of `display`; the lease's dispose lets go of it, and the last one closes it. */
  async lease(display: string): Promise<GuardLease> {
    let entry = this.open.get(display);
    if (!entry) {
      entry = { guard: DesktopGuard.open(display, this.rules, this.logger), users: 0 };
      this.open.set(display, entry);
      entry.guard.catch(() => this.open.delete(display));
    }
    entry.users++;
    const held = entry;
    let guard: DesktopGuard;
    try {
      guard = await held.guard;
    } catch (e) {
      held.users--;
      throw e;
    }
    let released = false;
    return {
      guard,
      dispose: () => {
        if (released) return;
        released = true;
        if (--held.users > 0 || this.open.get(display) !== held) return;
        this.open.delete(display);
        void guard.dispose();
      },
    };
  }

  /** The rules changed: every open guard reads its windows again. */
  rulesChanged(): void {
    for (const { guard } of this.open.values()) void guard.then((g) => g.update()).catch(() => undefined);
  }

  /** The guard of a display if one is open, without opening one. */
  current(display: string): Promise<DesktopGuard> | undefined {
    return this.open.get(display)?.guard;
  }

  dispose(): void {
    for (const { guard } of this.open.values()) void guard.then((g) => g.dispose()).catch(() => undefined);
    this.open.clear();
  }
}
