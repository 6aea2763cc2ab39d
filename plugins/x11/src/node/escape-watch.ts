import type { Disposable, Logger } from '@ra/kernel';
import { XConnection } from './connection.js';
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
}

/**
 * Calls a listener the moment Escape goes down on a display, whoever pressed it: XInput2 raw key
 * presses on the root come from every keyboard (XTEST's too), whichever window has the focus and
 * even while a client grabs the keyboard.
 *
 * Escape is the physical key that typed it when the watch started, so no change of the map can
 * disarm it. Any change of the keyboard or modifier map by another client calls the listener with
 * the reason, and the maps are put back as they were at the start; dispose() puts them back too.
 */
export class EscapeWatch implements Disposable {
  /** MappingNotify handled one after the other, each comparing the maps with the snapshot. */
  private checking: Promise<void> = Promise.resolve();
  /** The maps changed and were put back once: the listener has been told. */
  private tripped = false;
  private closing?: Promise<void>;

  private constructor(
    private readonly conn: XConnection,
    private readonly escapes: ReadonlySet<number>,
    private readonly snapshot: KeymapSnapshot,
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
      const watch = new EscapeWatch(conn, escapes, await KeymapSnapshot.take(conn), listener, options);
      conn.client.on('event', (e) => {
        if (e.name === 'XIRawKeyPress' && watch.escapes.has(e.detail)) watch.tell();
        else if (e.name === 'MappingNotify' && e.request !== MAPPING_POINTER) watch.check();
      });
      // Fail safe: without a watch the novice's Esc would go unheard, so losing it counts as an Esc.
      conn.onLost((reason) => {
        options.logger?.warn(`ra.x11: stopped watching Escape: ${reason}`);
        listener();
      });
      xinput.XISelectEvents(conn.screen.root, [{ deviceId: xinput.AllMasterDevices, mask: xinput.EventMask.RawKeyPress }]);
      // A round trip: the selection is in force once start() resolves.
      await conn.request((cb) => conn.client.GetInputFocus(cb));
      return watch;
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  /** Puts the maps back if they differ, then hangs up. */
  dispose(): Promise<void> {
    this.closing ??= this.checking
      .then(() => (this.conn.alive ? this.snapshot.restore() : undefined))
      .catch((e: Error) => this.failed('put the keyboard map back', e))
      .then(() => this.conn.close())
      .then(() => this.options.closed?.());
    return this.closing;
  }

  private check(): void {
    this.checking = this.checking
      .then(async () => {
        if (this.tripped || this.closing) return;
        const change = await this.snapshot.changed();
        if (!change) return;
        this.tripped = true;
        this.tell(`${change} during control; it was put back`);
        await this.snapshot.restore();
      })
      .catch((e: Error) => this.failed('check the keyboard map', e));
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
