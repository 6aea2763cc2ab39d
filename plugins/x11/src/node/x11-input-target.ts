import type { Logger } from '@ra/kernel';
import type { InputTarget, KeyInput, PointerInput } from '@ra/plugin-control/api';
import type { ScreenGeometry } from '@ra/plugin-screen/api';
import type { PointerPosition, XError, XTest } from 'x11';
import { XConnection } from './connection.js';
import type { DesktopGuard } from './desktop-guard.js';
import { choosePlace, type Modifiers } from './keyboard-map.js';
import { Keyboard } from './keyboard.js';
import { keysymFor, XK_SHIFT_L, XK_SHIFT_R } from './keysyms.js';
import { screenSize } from './screen.js';

const BUTTONS: Readonly<Record<string, number>> = { left: 1, middle: 2, right: 3 };
const WHEEL_UP = 4;
const WHEEL_DOWN = 5;
/** Browsers report about 100 units of deltaY per notch of a wheel. */
const WHEEL_NOTCH = 100;
/** However large its delta, one wheel event never scrolls further than this many notches. */
const MAX_WHEEL_CLICKS = 20;
const SHIFT_MASK = 0x1;
const LOCK_MASK = 0x2;
const STRUCTURE_NOTIFY_MASK = 0x20000;

/** Keys (by code or key name) that make a shortcut of the next one: Control, (left) Alt, Super; AltGr only types. */
const CHORD_KEY = /^(Control|AltLeft$|Alt$|Meta|OS|Super|Hyper)/;

export interface TargetOptions {
  readonly timeoutMs: number;
  readonly logger?: Logger;
  /** Drops helper input aimed at protected windows and RA's indicator; without, input goes anywhere (tests of injection alone). */
  readonly guard?: DesktopGuard;
  /** Told of each key about to be pressed, so the novice's Esc watch knows the helper's own Esc. */
  readonly injecting?: (keycode: number) => void;
  /** Called once the target is disposed. */
  readonly closed?: () => void;
}

/** A key or button this target pressed and has not released. */
interface Held {
  readonly type: 'key' | 'button';
  /** The keycode or button number. */
  readonly detail: number;
  readonly keysym?: number;
}

/**
 * Input into one X display through XTEST, on a connection of its own. Events are injected one at a
 * time in the order they came, each checked in full before anything is sent, and each promise
 * settles once the server has handled the event. releaseAll() and dispose() drop the events still
 * queued, so nothing the helper sent lands after the control period ended.
 */
export class X11InputTarget implements InputTarget {
  /** By the browser's `code` (or `key`) and `button:<name>`, in the order they went down. */
  private readonly held = new Map<string, Held>();
  private readonly keyboard: Keyboard;
  private queue: Promise<void> = Promise.resolve();
  /** Bumped by releaseAll() and dispose(): an event queued before and not yet begun is dropped. */
  private epoch = 0;
  private closing?: Promise<void>;
  /** An X error since the last round trip: the requests of the event in progress caused it. */
  private refusal?: XError;

  private constructor(
    private readonly conn: XConnection,
    private readonly xtest: XTest,
    private screen: ScreenGeometry,
    private readonly options: TargetOptions,
  ) {
    this.keyboard = new Keyboard(conn);
    conn.client.on('event', (e) => {
      if (e.name === 'ConfigureNotify' && e.wid === conn.screen.root) this.screen = { width: e.width, height: e.height };
    });
  }

  static async open(display: string, options: TargetOptions): Promise<X11InputTarget> {
    let target: X11InputTarget | undefined;
    const conn = await XConnection.open(display, {
      timeoutMs: options.timeoutMs,
      sharedMemory: false,
      onProtocolError: (e) => (target ? (target.refusal = e) : options.logger?.debug(`ra.x11: X error from ${display}: ${e.message}`)),
    });
    try {
      const xtest = await conn.extension('xtest');
      // The root's ConfigureNotify reports every change of the screen size from here on.
      conn.client.ChangeWindowAttributes(conn.screen.root, { eventMask: STRUCTURE_NOTIFY_MASK });
      target = new X11InputTarget(conn, xtest, await screenSize(conn), options);
      return target;
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  pointer(event: PointerInput): Promise<void> {
    return this.run(() => this.point(event));
  }

  key(event: KeyInput): Promise<void> {
    return this.run(() => this.type(event));
  }

  releaseAll(): Promise<void> {
    this.epoch++;
    return this.run(() => this.letGo());
  }

  /** Drops what is queued, then, once the event under way is done: releases what is held, gives lent keycodes back and hangs up. */
  dispose(): Promise<void> {
    this.epoch++;
    this.closing ??= this.queue.then(() => this.shutdown());
    return this.closing;
  }

  private run(inject: () => void | Promise<void>): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`the input target on ${this.conn.name} is closed`));
    const epoch = this.epoch;
    const done = this.queue.then(async () => {
      if (epoch !== this.epoch) throw new Error(`the input on ${this.conn.name} was released before this event went out; it was dropped`);
      this.conn.checkAlive();
      await inject();
      await this.sync();
    });
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async point(e: PointerInput): Promise<void> {
    const [x, y] = [Math.round(e.x), Math.round(e.y)];
    const { width, height } = this.screen;
    if (!(x >= 0 && y >= 0 && x < width && y < height)) {
      throw new Error(`the point (${e.x}, ${e.y}) is outside the ${width}x${height} screen of ${this.conn.name}; nothing was injected`);
    }
    const { MotionNotify, ButtonPress, ButtonRelease } = this.xtest;
    const refusal = await this.options.guard?.pointerRefusal(e.kind, x, y);
    if (refusal) {
      // A held button is let go where the pointer is: it must not stick, nor drop what it drags onto a protected window.
      const held = e.kind === 'up' ? this.held.get(`button:${e.button}`) : undefined;
      if (held) this.release(`button:${e.button}`, held);
      throw new Error(`${refusal}; nothing was injected`);
    }
    switch (e.kind) {
      case 'move':
        return this.fake(MotionNotify, 0, x, y);
      case 'down': {
        const button = this.button(e);
        this.fake(MotionNotify, 0, x, y);
        this.fake(ButtonPress, button);
        this.held.set(`button:${e.button}`, { type: 'button', detail: button });
        return;
      }
      case 'up': {
        this.button(e);
        this.fake(MotionNotify, 0, x, y);
        const held = this.held.get(`button:${e.button}`);
        if (held) this.release(`button:${e.button}`, held);
        return;
      }
      case 'wheel': {
        const clicks = this.wheelClicks(e.deltaY);
        this.fake(MotionNotify, 0, x, y);
        const wheel = (e.deltaY ?? 0) > 0 ? WHEEL_DOWN : WHEEL_UP;
        for (let i = 0; i < clicks; i++) {
          this.fake(ButtonPress, wheel);
          this.fake(ButtonRelease, wheel);
        }
        return;
      }
      default:
        throw new Error(`unknown pointer event '${String((e as PointerInput).kind)}'; nothing was injected`);
    }
  }

  private button(e: PointerInput): number {
    const button = e.button && Object.hasOwn(BUTTONS, e.button) ? BUTTONS[e.button] : undefined;
    if (!button) throw new Error(`pointer ${e.kind} needs a button, left, middle or right, not '${String(e.button)}'; nothing was injected`);
    return button;
  }

  /** One click per event, or per notch of a large delta; none without a delta. */
  private wheelClicks(deltaY: number | undefined): number {
    if (deltaY === undefined || deltaY === 0) return 0;
    if (!Number.isFinite(deltaY)) throw new Error(`wheel deltaY ${deltaY} is not a number of units; nothing was injected`);
    return Math.min(MAX_WHEEL_CLICKS, Math.max(1, Math.round(Math.abs(deltaY) / WHEEL_NOTCH)));
  }

  private async type(e: KeyInput): Promise<void> {
    const keysym = keysymFor(e);
    if (keysym === undefined) throw new Error(`unknown key '${e.key}' (code '${e.code}'): X has no keysym for it; nothing was injected`);
    if (e.kind !== 'down' && e.kind !== 'up') throw new Error(`unknown key event '${String(e.kind)}'; nothing was injected`);
    const id = e.code || e.key;
    const held = this.held.get(id);
    if (e.kind === 'up') {
      if (held) this.release(id, held);
      return;
    }
    const chord = [...this.held.keys()].some((id) => CHORD_KEY.test(id));
    const refusal = await this.options.guard?.keyRefusal(() => this.pointerAt(), chord);
    if (refusal) throw new Error(`${refusal}; nothing was injected`);
    // Everything is looked up before the first event goes out, so a failure injects nothing.
    const { KeyPress, KeyRelease } = this.xtest;
    const busy = (keycode: number) => this.holds(keycode);
    const places = await this.keyboard.place(keysym, busy, `'${e.key}'`);
    // Where Shift makes no difference, what is in force does not matter either.
    const modifiers = places.some((p) => p.shift === 'either') ? { shift: false, lock: false } : await this.modifiers();
    const { place, flipShift } = choosePlace(places, modifiers);
    // The wrong level and no Shift down: press Shift around the key.
    const wrap = flipShift && !modifiers.shift ? (await this.keyboard.place(XK_SHIFT_L, busy, 'Shift'))[0].keycode : undefined;
    // The wrong level with Shift down: let go of the Shift keys this target holds around it.
    const unwrap = flipShift && modifiers.shift ? [...this.held.values()].filter((h) => h.keysym === XK_SHIFT_L || h.keysym === XK_SHIFT_R) : [];

    // The same physical key now types another keysym (Shift changed while it repeats).
    if (held && held.detail !== place.keycode) this.release(id, held);
    if (wrap) this.fake(KeyPress, wrap);
    for (const key of unwrap) this.fake(KeyRelease, key.detail);
    this.options.injecting?.(place.keycode);
    this.fake(KeyPress, place.keycode);
    for (const key of unwrap) this.fake(KeyPress, key.detail);
    if (wrap) this.fake(KeyRelease, wrap);
    this.held.set(id, { type: 'key', detail: place.keycode, keysym });
  }

  /** Releases what is held, newest first. */
  private letGo(): void {
    for (const [id, held] of [...this.held].reverse()) this.release(id, held);
  }

  private release(id: string, held: Held): void {
    this.fake(held.type === 'key' ? this.xtest.KeyRelease : this.xtest.ButtonRelease, held.detail);
    this.held.delete(id);
  }

  private holds(keycode: number): boolean {
    return [...this.held.values()].some((h) => h.type === 'key' && h.detail === keycode);
  }

  /** x and y count only for MotionNotify, where detail 0 means they are absolute. */
  private fake(type: number, detail: number, x = 0, y = 0): void {
    this.xtest.FakeInput(type, detail, 0, this.conn.screen.root, x, y);
  }

  /** Whether Shift and Lock are in force now, from whichever keyboard. */
  private async modifiers(): Promise<Modifiers> {
    const { keyMask } = await this.conn.request<PointerPosition>((cb) => this.conn.client.QueryPointer(this.conn.screen.root, cb));
    return { shift: (keyMask & SHIFT_MASK) !== 0, lock: (keyMask & LOCK_MASK) !== 0 };
  }

  /** Where the pointer is now. */
  private async pointerAt(): Promise<{ x: number; y: number }> {
    const p = await this.conn.request<PointerPosition>((cb) => this.conn.client.QueryPointer(this.conn.screen.root, cb));
    return { x: p.rootX, y: p.rootY };
  }

  /** A round trip: the server handled every event sent before, or refused one of them. */
  private async sync(): Promise<void> {
    await this.conn.request((cb) => this.conn.client.GetInputFocus(cb));
    const refusal = this.refusal;
    this.refusal = undefined;
    if (refusal) throw new Error(`the X server at ${this.conn.name} refused the input: ${refusal.message}`);
  }

  private async shutdown(): Promise<void> {
    try {
      if (this.conn.alive) {
        this.letGo();
        await this.keyboard.restore();
        await this.sync();
      }
    } catch (e) {
      if (this.conn.alive) this.options.logger?.warn(`ra.x11: could not tidy up the input on ${this.conn.name}: ${(e as Error).message}`);
    } finally {
      this.held.clear();
      await this.conn.close();
      this.options.closed?.();
    }
  }
}
