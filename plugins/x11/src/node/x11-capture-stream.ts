import type { Disposable, Logger } from '@ra/kernel';
import type { CaptureSink, CaptureStream, ScreenGeometry } from '@ra/plugin-screen/api';
import type { CursorImage, Damage, Fixes, PointerPosition, RandR, XEvent, XInput } from 'x11';
import type { XConnection } from './connection.js';
import type { DesktopGuard } from './desktop-guard.js';
import { cursorState, PointerWatch } from './cursor.js';
import { CoreGrabber, ShmGrabber, type Grabber, type GrabMethod } from './grabber.js';
import type { ScreenRect } from '@ra/plugin-screen/api';
import { clip, mergeNearby, union } from './region.js';
import { checkPixelFormat, screenSize } from './screen.js';
import { ShadowScreen, type Grab } from './shadow.js';

/** Damage arriving this soon after the first rectangle joins the same grab. */
const COALESCE_MS = 4;
/** Rectangles this close are grabbed together: the characters of a typed word. */
const MERGE_GAP_PX = 16;
/** More separate rectangles than this in one batch are grabbed as their bounding box. */
const MAX_GRABS = 32;
/** Beyond this many waiting rectangles (a video, a scroll) only their bounding box is kept. */
const MAX_PENDING_RECTS = 512;
/** Pointer polling when the server has no XInput2 to report motion. */
const POINTER_POLL_MS = 100;

export interface StreamOptions {
  /** Try MIT-SHM before core GetImage. */
  readonly sharedMemory: boolean;
  readonly logger?: Logger;
  /** Paints each grab as helpers may see it: protected windows black, RA's indicator invisible. */
  readonly guard?: DesktopGuard;
  /** Called once the stream stopped, disposed or ended. */
  readonly stopped?: () => void;
}

interface Extensions {
  readonly damage: Damage;
  readonly fixes?: Fixes;
  readonly randr?: RandR;
  readonly xinput?: XInput;
}

/**
 * One capture of an X screen: DAMAGE says what was drawn, the stream grabs it, crops it to what
 * changed against its shadow of the screen, and sends that. Nothing runs while nothing is drawn.
 * Grabs, resizes and refreshes run one at a time, since they share the SHM segment and the shadow.
 */
export class X11CaptureStream implements CaptureStream {
  private screen: ScreenGeometry;
  private readonly shadow: ShadowScreen;
  private readonly pointer: PointerWatch;
  private readonly damageId: number;
  private damaged: ScreenRect[] = [];
  private fullPending = false;
  private resizeTo?: ScreenGeometry;
  private flushTimer?: NodeJS.Timeout;
  private pumping = false;
  private stopped = false;
  private disposing?: Promise<void>;
  private guarding?: Disposable;

  private constructor(
    private readonly conn: XConnection,
    private readonly sink: CaptureSink,
    private readonly ext: Extensions,
    private grabber: Grabber,
    geometry: ScreenGeometry,
    private readonly options: StreamOptions,
  ) {
    this.screen = geometry;
    this.shadow = new ShadowScreen(geometry);
    this.damageId = conn.client.AllocID();
    this.pointer = new PointerWatch(
      () => this.pointerPosition(),
      (x, y) => this.tell(() => sink.cursor({ x, y })),
    );
  }

  /** Subscribes to the screen, then sends its size, the whole screen once and the cursor. */
  static async start(conn: XConnection, sink: CaptureSink, options: StreamOptions): Promise<X11CaptureStream> {
    checkPixelFormat(conn);
    const optional = <T>(loading: Promise<T>, without: string) =>
      loading.catch((e: Error) => {
        if (!conn.alive) throw e;
        options.logger?.info(`ra.x11: ${e.message}; ${without}`);
        return undefined;
      });
    const [damage, fixes, randr, xinput] = await Promise.all([
      conn.extension('damage'),
      optional(conn.extension('fixes'), 'the cursor is not captured'),
      optional(conn.extension('randr'), 'screen size changes are not followed'),
      optional(conn.extension('xinput'), `the pointer is polled every ${POINTER_POLL_MS} ms`),
    ]);
    // The package announced the newest RandR; pin 1.3, the protocol it parses.
    if (randr) await conn.request<readonly [number, number]>((cb) => randr.QueryVersion(1, 3, cb));
    const geometry = await screenSize(conn);
    const shm = options.sharedMemory
      ? await ShmGrabber.create(conn, geometry).catch((e: Error) => {
          if (!conn.alive) throw e;
          options.logger?.info(`ra.x11: no MIT-SHM: ${e.message}; using core GetImage`);
          return undefined;
        })
      : undefined;
    const stream = new X11CaptureStream(conn, sink, { damage, fixes, randr, xinput }, shm ?? new CoreGrabber(conn), geometry, options);
    try {
      await stream.begin();
    } catch (e) {
      await stream.dispose();
      throw e;
    }
    return stream;
  }

  get geometry(): ScreenGeometry {
    return this.screen;
  }

  /** How pixels are read: MIT-SHM, or core GetImage when SHM is off or unusable. */
  get grabMethod(): GrabMethod {
    return this.grabber.method;
  }

  refresh(): void {
    if (this.stopped) return;
    this.fullPending = true;
    this.schedule();
  }

  dispose(): Promise<void> {
    this.disposing ??= this.shutdown();
    return this.disposing;
  }

  /** Ends the stream from this side, telling the sink `reason`, e.g. when the plugin stops. */
  abandon(reason: string): Promise<void> {
    this.end(reason);
    return this.dispose();
  }

  private async begin(): Promise<void> {
    const { damage, fixes, randr, xinput } = this.ext;
    const root = this.conn.screen.root;
    this.conn.client.on('event', (e) => this.onEvent(e));
    this.conn.onLost((reason) => this.end(reason));
    // A window that became protected, or stopped being, is grabbed again to be painted as it now must be.
    this.guarding = this.options.guard?.onChange((areas) => this.regrab(areas));
    // Damage first: whatever is drawn while the first frame is read comes as damage after it.
    damage.Create(this.damageId, root, damage.ReportLevel.RawRectangles);
    randr?.SelectInput(root, randr.NotifyMask.ScreenChange);
    fixes?.SelectCursorInput(root, fixes.CursorNotifyMask.DisplayCursor);
    // RawMotion comes from every device, also through grabs; Motion catches warps.
    if (xinput?.xi2) xinput.XISelectEvents(root, [{ deviceId: xinput.AllMasterDevices, mask: xinput.EventMask.Motion | xinput.EventMask.RawMotion }]);
    else this.pointer.poll(POINTER_POLL_MS);

    this.pumping = true;
    try {
      this.sink.resize(this.screen);
      const all = { x: 0, y: 0, ...this.screen };
      this.sink.update(this.shadow.replace(all, await this.grab(all)));
    } finally {
      this.pumping = false;
    }
    await this.sendCursorImage();
    this.schedule();
  }

  private onEvent(e: XEvent): void {
    if (this.stopped) return;
    switch (e.name) {
      case 'DamageNotify':
        if (e.damage !== this.damageId) return;
        if (this.damaged.length >= MAX_PENDING_RECTS) this.damaged = [this.damaged.reduce(union)];
        this.damaged.push({ x: e.area.x, y: e.area.y, width: e.area.w, height: e.area.h });
        this.schedule();
        return;
      case 'CursorNotify':
        void this.sendCursorImage();
        return;
      case 'RRScreenChangeNotify':
        if (e.width === (this.resizeTo ?? this.screen).width && e.height === (this.resizeTo ?? this.screen).height) return;
        this.resizeTo = { width: e.width, height: e.height };
        this.schedule();
        return;
      case 'XIMotion':
      case 'XIRawMotion':
        this.pointer.motion();
        return;
    }
  }

  private schedule(): void {
    if (this.flushTimer || this.pumping || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.pump();
    }, COALESCE_MS);
  }

  /** Works until nothing is pending; what arrives meanwhile is taken in the next round. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.stopped && (this.resizeTo || this.fullPending || this.damaged.length > 0)) {
        try {
          await this.step();
        } catch (e) {
          // An X error costs this round only; a lost connection is reported by end().
          if (!this.stopped) this.options.logger?.warn(`ra.x11: ${(e as Error).message}`);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async step(): Promise<void> {
    if (this.resizeTo) {
      const geometry = this.resizeTo;
      this.resizeTo = undefined;
      await this.grabber.resize(geometry);
      this.screen = geometry;
      this.shadow.resize(geometry);
      this.damaged = [];
      this.fullPending = true;
      this.tell(() => this.sink.resize(geometry));
    } else if (this.fullPending) {
      this.fullPending = false;
      this.damaged = [];
      const all = { x: 0, y: 0, ...this.screen };
      const grab = await this.grab(all);
      if (this.stopped || this.resizeTo) return;
      const update = this.shadow.replace(all, grab);
      this.tell(() => this.sink.update(update));
    } else {
      const rects = mergeNearby(this.damaged.splice(0), MERGE_GAP_PX, MAX_GRABS).flatMap((r) => clip(r, this.screen) ?? []);
      const grabs = await this.grabAll(rects);
      // A resize makes this batch moot; a refresh resends everything anyway.
      if (this.stopped || this.resizeTo || this.fullPending) return;
      // Told in one tick, so the screen plugin sends the batch as one message.
      rects.forEach((rect, i) => {
        const update = this.shadow.changes(rect, grabs[i]);
        if (update) this.tell(() => this.sink.update(update));
      });
    }
  }

  /** Grabs `rect` as helpers may see it: see DesktopGuard.beginGrab. */
  private async grab(rect: ScreenRect): Promise<Grab> {
    return (await this.grabAll([rect]))[0];
  }

  /** Grabs every rect in one round trip, each as helpers may see it. */
  private async grabAll(rects: readonly ScreenRect[]): Promise<Grab[]> {
    const masks = rects.map(() => this.options.guard?.beginGrab());
    const grabs = await this.rawGrab(rects);
    // An SHM grab's buffer is the next grab's too: grabs run one at a time, so it stays this one's until sent.
    for (const [i, mask] of masks.entries()) if (mask) this.regrab(await mask.finish(rects[i], grabs[i]));
    return grabs;
  }

  /** What is hidden changed there, or was not known during a grab: those areas are grabbed again. */
  private regrab(areas: readonly ScreenRect[]): void {
    if (this.stopped || areas.length === 0) return;
    this.damaged.push(...areas);
    if (this.damaged.length > MAX_PENDING_RECTS) this.damaged = [this.damaged.reduce(union)];
    this.schedule();
  }

  /** Grabs through MIT-SHM, and on its failure through core GetImage, for good if that works. */
  private async rawGrab(rects: readonly ScreenRect[]): Promise<Grab[]> {
    try {
      return await this.grabber.grabAll(rects);
    } catch (e) {
      if (this.grabber.method !== 'shm' || !this.conn.alive) throw e;
      const core = new CoreGrabber(this.conn);
      const grab = await core.grabAll(rects);
      this.options.logger?.warn(`ra.x11: MIT-SHM grab failed (${(e as Error).message}); using core GetImage from now on`);
      void this.grabber.dispose();
      this.grabber = core;
      return grab;
    }
  }

  private async sendCursorImage(): Promise<void> {
    const fixes = this.ext.fixes;
    if (!fixes) return;
    try {
      const state = cursorState(await this.conn.request<CursorImage>((cb) => fixes.GetCursorImage(cb)));
      if (this.stopped) return;
      this.pointer.seen(state.x, state.y);
      this.tell(() => this.sink.cursor(state));
    } catch (e) {
      if (!this.stopped) this.options.logger?.warn(`ra.x11: cannot read the cursor: ${(e as Error).message}`);
    }
  }

  private async pointerPosition(): Promise<{ x: number; y: number }> {
    const p = await this.conn.request<PointerPosition>((cb) => this.conn.client.QueryPointer(this.conn.screen.root, cb));
    return { x: p.rootX, y: p.rootY };
  }

  /** Calls the sink; one that throws costs that call, not the stream. */
  private tell(call: () => void): void {
    if (this.stopped) return;
    try {
      call();
    } catch (e) {
      this.options.logger?.warn(`ra.x11: the capture sink failed: ${(e as Error).message}`);
    }
  }

  /** No more sink calls, timers or queries from here on. */
  private stop(): void {
    this.stopped = true;
    this.guarding?.dispose();
    clearTimeout(this.flushTimer);
    this.pointer.dispose();
    this.options.stopped?.();
  }

  private end(reason: string): void {
    if (this.stopped) return;
    this.stop();
    void this.conn.close();
    try {
      this.sink.ended?.(reason);
    } catch (e) {
      this.options.logger?.warn(`ra.x11: the capture sink failed on its end: ${(e as Error).message}`);
    }
  }

  private async shutdown(): Promise<void> {
    if (!this.stopped) this.stop();
    if (this.conn.alive) this.ext.damage.Destroy(this.damageId);
    await this.grabber.dispose();
    await this.conn.close();
  }
}
