import type { Disposable, Logger } from '@ra/kernel';
import { XConnection } from './connection.js';
import { DeviceSnapshot } from './device-snapshot.js';
import { readKeyboardMap } from './keyboard-map.js';
import { KeymapSnapshot } from './keymap-snapshot.js';
import { XK_ESCAPE } from './keysyms.js';

/** MappingNotify's `request` for the pointer's buttons, which do not concern the keyboard. */
const MAPPING_POINTER = 2;

export interface WatchOptions {
  readonly timeoutMs: number;
  readonly logger?: Logger;
  /** Called once the watch is disposed. */
  readonly closed?: () => void;
  /** Whether an XTEST press of this keycode was the helper's own, injected by RA: the helper's Esc goes to the remote program. */
  readonly injected?: (keycode: number) => boolean;
}

/**
 * Calls a listener the moment Escape goes down on a display: XInput2 raw key presses on the root
 * come from every keyboard (XTEST's too), whichever window has the focus and even while a client
 * grabs the keyboard. The one press skipped is the helper's own Esc, which RA announced and which
 * came through XTEST: it goes to the remote program.
 *
 * Escape is the physical key that typed it when the watch started, so no change of the map can
 * disarm it. Any change of the keyboard or modifier map by another client, and any input device
 * another client detached or disabled (which takes a keyboard off the masters watched here, or a
 * mouse off the novice's hand), calls the listener with the reason, and what changed is put back
 * as it was at the start; dispose() puts it back too.
 */
export class EscapeWatch implements Disposable {
  /** MappingNotify and XIHierarchyChanged handled one after the other, each comparing with the snapshots. */
  private checking: Promise<void> = Promise.resolve();
  /** The maps or devices changed and were put back once: the listener has been told. */
  private tripped = false;
  private closing?: Promise<void>;

  private constructor(
    private readonly conn: XConnection,
    private readonly escapes: ReadonlySet<number>,
    private readonly keymap: KeymapSnapshot,
    private readonly devices: DeviceSnapshot,
    private readonly listener: (reason?: string) => void,
    private readonly options: WatchOptions,
  ) {}

  static async start(display: string, listener: (reason?: string) => void, options: WatchOptions): Promise<EscapeWatch> {
    const conn = await XConnection.open(display, {
      timeoutMs: options.timeoutMs,
      sharedMemory: false,
      onProtocolError: (e) => options.logger?.debug(`ra.x11: X error from ${display}: ${e.message}`),
    });
    try {
      const xinput = await conn.extension('xinput');
      if (!xinput.xi2) throw new Error(`the X server at ${display} has no XInput2, so Escape cannot be watched`);
      const escapes = new Set((await readKeyboardMap(conn)).places(XK_ESCAPE).map((p) => p.keycode));
      if (escapes.size === 0) throw new Error(`no key types Escape on ${display}, so the novice could not take control back`);
      const devices = await DeviceSnapshot.take(conn, xinput);
      // XTEST's keyboards: only a press through one of them can be the helper's; a physical key never is.
      const xtest = new Set(devices.xtestKeyboards());
      const helpers = (e: { sourceId?: number; detail: number }) => e.sourceId !== undefined && xtest.has(e.sourceId) && options.injected?.(e.detail) === true;
      const watch = new EscapeWatch(conn, escapes, await KeymapSnapshot.take(conn), devices, listener, options);
      conn.client.on('event', (e) => {
        if (e.name === 'XIRawKeyPress' && watch.escapes.has(e.detail) && !helpers(e)) watch.tell();
        else if ((e.name === 'MappingNotify' && e.request !== MAPPING_POINTER) || e.name === 'XIHierarchyChanged') watch.check();
      });
      // Fail safe: without a watch the novice's Esc would go unheard, so losing it counts as an Esc.
      conn.onLost((reason) => {
        options.logger?.warn(`ra.x11: stopped watching Escape: ${reason}`);
        listener();
      });
      xinput.XISelectEvents(conn.screen.root, [
        { deviceId: xinput.AllMasterDevices, mask: xinput.EventMask.RawKeyPress },
        { deviceId: xinput.AllDevices, mask: xinput.EventMask.HierarchyChanged },
      ]);
      // A round trip: the selection is in force once start() resolves.
      await conn.request((cb) => conn.client.GetInputFocus(cb));
      return watch;
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  /** Puts the devices and maps back if they differ, then hangs up. */
  dispose(): Promise<void> {
    this.closing ??= this.checking
      .then(() => (this.conn.alive ? this.restore() : undefined))
      .catch((e: Error) => this.failed('put the input devices and keyboard map back', e))
      .then(() => this.conn.close())
      .then(() => this.options.closed?.());
    return this.closing;
  }

  private check(): void {
    this.checking = this.checking
      .then(async () => {
        if (this.tripped || this.closing) return;
        const devices = await this.devices.changed();
        const change = devices ? `${devices} during control; they were put back` : await this.keymap.changed();
        if (!change) return;
        this.tripped = true;
        this.tell(devices ? change : `${change} during control; it was put back`);
        await this.restore();
      })
      .catch((e: Error) => this.failed('check the input devices and keyboard map', e));
  }

  /** Devices first: a keyboard back on its master types with the map put back after it. */
  private async restore(): Promise<void> {
    await this.devices.restore();
    await this.keymap.restore();
  }

  private tell(reason?: string): void {
    if (this.closing) return;
    try {
      this.listener(reason);
    } catch (e) {
      this.options.logger?.warn(`ra.x11: the Escape listener failed: ${(e as Error).message}`);
    }
  }

  /** A lost connection is reported by onLost. */
  private failed(what: string, error: Error): void {
    if (this.conn.alive) this.options.logger?.warn(`ra.x11: cannot ${what}: ${error.message}`);
  }
}
