import { toDisposable, type Disposable, type Logger } from '@ra/kernel';
import type { ScreenRect } from '@ra/plugin-screen/api';
import type { XEvent } from 'x11';
import { CONNECT_TIMEOUT_MS, XConnection } from './connection.js';
import { contains, intersect } from './region.js';
import type { Grab } from './shadow.js';
import { protectedBy, windowName } from './window-rules.js';
import { WindowSurvey, type SeenWindow } from './window-survey.js';

/** SubstructureNotify on the root: windows mapped, unmapped, moved, raised, destroyed. */
const SUBSTRUCTURE_NOTIFY_MASK = 0x80000;

/** A window of RA's own on the desktop (the indicator): what lay under it is what helpers keep seeing there. */
export interface Cover {
  readonly id: number;
  readonly rect: ScreenRect;
  /** BGRX, `rect.width * 4` bytes a row: the screen under it just before it was shown. */
  readonly under: Buffer;
  /** Whether helper input there is dropped: the bar's buttons are the novice's alone. */
  readonly guarded: boolean;
}

/** A viewable protected window: black in every helper's picture, deaf to helper input. */
export interface Shielded {
  readonly rect: ScreenRect;
  readonly name: string;
}

/**
 * What helpers may not see or touch on one display: the windows the protected-window rules match,
 * and RA's own indicator. The capture paints through it, the input target asks it before each
 * event, the indicator tells the novice what it hides. Window lists are read again whenever X
 * reports a window mapped, moved or renamed, and afresh before every press.
 */
export class DesktopGuard implements Disposable {
  private shielded: Shielded[] = [];
  private covers: Cover[] = [];
  private surveying: Promise<void> = Promise.resolve();
  private queued = false;
  private readonly listeners = new Set<(areas: ScreenRect[]) => void>();
  /** Helper input dropped for landing on a protected window, by window name. */
  readonly dropped = new Map<string, number>();

  private constructor(
    private readonly conn: XConnection,
    private readonly survey: WindowSurvey,
    private readonly rules: () => readonly string[],
    private readonly logger?: Logger,
  ) {}

  static async open(display: string, rules: () => readonly string[], logger?: Logger): Promise<DesktopGuard> {
    const conn = await XConnection.open(display, { timeoutMs: CONNECT_TIMEOUT_MS, sharedMemory: false });
    const guard = new DesktopGuard(conn, new WindowSurvey(conn), rules, logger);
    conn.client.on('event', (e) => guard.onEvent(e));
    conn.client.ChangeWindowAttributes(conn.screen.root, { eventMask: SUBSTRUCTURE_NOTIFY_MASK });
    await guard.update();
    return guard;
  }

  get protectedWindows(): readonly Shielded[] {
    return this.shielded;
  }

  /** Calls `listener` with the screen areas whose picture changed meaning (a window became protected or stopped being). */
  onChange(listener: (areas: ScreenRect[]) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }

  /** Reads the windows again, e.g. after the rules changed; resolves once the new list is in force. */
  update(): Promise<void> {
    if (!this.queued) {
      this.queued = true;
      this.surveying = this.surveying.then(() => this.resurvey());
    }
    return this.surveying;
  }

  /** Resolves once no survey is under way, so a grab never runs ahead of a window RA just heard of. */
  settled(): Promise<void> {
    return this.surveying;
  }

  /** Shows RA's own windows to the guard: helpers keep the old pixels there, and the guarded ones take no helper input. */
  setCovers(covers: Cover[]): void {
    const before = this.covers.map((c) => c.rect);
    for (const cover of covers) this.blacken(cover.rect, { data: cover.under, stride: cover.rect.width * 4 });
    this.covers = covers;
    this.tell([...before, ...covers.map((c) => c.rect)]);
  }

  /** Makes a grab of `rect` what helpers may see: RA's windows show what lay under them, protected windows are black. */
  paint(rect: ScreenRect, grab: Grab): void {
    for (const cover of this.covers) {
      const part = intersect(rect, cover.rect);
      if (!part) continue;
      for (let row = 0; row < part.height; row++) {
        const from = (part.y - cover.rect.y + row) * cover.rect.width * 4 + (part.x - cover.rect.x) * 4;
        cover.under.copy(grab.data, (part.y - rect.y + row) * grab.stride + (part.x - rect.x) * 4, from, from + part.width * 4);
      }
    }
    this.blacken(rect, grab);
  }

  /** Why a helper's pointer may not move to (x, y) now, from the windows last read. */
  moveRefusal(x: number, y: number): string | undefined {
    return this.refusalAt(x, y, this.shielded);
  }

  /** Why a helper's press at (x, y) must be dropped, from the windows as they are this instant. */
  async pressRefusal(x: number, y: number): Promise<string | undefined> {
    await this.update();
    return this.refusalAt(x, y, this.shielded);
  }

  /** Why a helper's key press must be dropped: the focus (or, following the pointer, the pointer) is on a protected window. */
  async keyRefusal(pointer: () => Promise<{ x: number; y: number }>): Promise<string | undefined> {
    const focused = await this.survey.focused();
    if (focused === 'pointer') {
      const { x, y } = await pointer();
      return this.pressRefusal(x, y);
    }
    const name = focused && this.shieldName(focused);
    return name ? this.drop(name) : undefined;
  }

  dispose(): Promise<void> {
    this.listeners.clear();
    return this.conn.close();
  }

  private refusalAt(x: number, y: number, shielded: readonly Shielded[]): string | undefined {
    if (this.covers.some((c) => c.guarded && contains(c.rect, x, y))) return this.drop("RA's desktop indicator");
    const hit = shielded.find((s) => contains(s.rect, x, y));
    return hit ? this.drop(hit.name) : undefined;
  }

  private drop(name: string): string {
    this.dropped.set(name, (this.dropped.get(name) ?? 0) + 1);
    return `${name} is protected on this computer: helper input there is dropped`;
  }

  private shieldName(window: SeenWindow): string | undefined {
    if (this.covers.some((c) => c.id === window.id)) return undefined;
    return protectedBy(this.rules(), window.facts) ? windowName(window.facts) : undefined;
  }

  private onEvent(e: XEvent): void {
    if (e.name === 'MapNotify' || e.name === 'UnmapNotify' || e.name === 'DestroyNotify' || e.name === 'ConfigureNotify' || e.name === 'PropertyNotify') {
      void this.update();
    }
  }

  private async resurvey(): Promise<void> {
    this.queued = false;
    if (!this.conn.alive) return;
    try {
      const windows = await this.survey.windows();
      const shielded = windows.flatMap((w) => {
        const name = this.shieldName(w);
        return name ? [{ rect: w.rect, name }] : [];
      });
      const before = this.shielded;
      this.shielded = shielded;
      if (JSON.stringify(before) !== JSON.stringify(shielded)) this.tell([...before, ...shielded].map((s) => s.rect));
    } catch (e) {
      if (this.conn.alive) this.logger?.warn(`ra.x11: cannot read the windows of ${this.conn.name}: ${(e as Error).message}`);
    }
  }

  private blacken(rect: ScreenRect, grab: Grab): void {
    for (const s of this.shielded) {
      const part = intersect(rect, s.rect);
      if (!part) continue;
      for (let row = 0; row < part.height; row++) {
        const at = (part.y - rect.y + row) * grab.stride + (part.x - rect.x) * 4;
        grab.data.fill(0, at, at + part.width * 4);
      }
    }
  }

  private tell(areas: ScreenRect[]): void {
    if (areas.length === 0) return;
    for (const listener of this.listeners) listener(areas);
  }
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
