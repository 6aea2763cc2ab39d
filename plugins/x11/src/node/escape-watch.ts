import type { Disposable, Logger } from '@ra/kernel';
import { XConnection } from './connection.js';
import { MAPPING_KEYBOARD, readKeyboardMap } from './keyboard-map.js';
import { XK_ESCAPE } from './keysyms.js';

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
 */
export class EscapeWatch implements Disposable {
  private escapes: ReadonlySet<number> = new Set();
  /** Re-reading the map after a MappingNotify. */
  private reading?: Promise<void>;
  private closing?: Promise<void>;

  private constructor(
    private readonly conn: XConnection,
    private readonly listener: () => void,
    private readonly options: WatchOptions,
  ) {}

  static async start(display: string, listener: () => void, options: WatchOptions): Promise<EscapeWatch> {
    const conn = await XConnection.open(display, {
      timeoutMs: options.timeoutMs,
      sharedMemory: false,
      onProtocolError: (e) => options.logger?.debug(`ra.x11: X error from ${display}: ${e.message}`),
    });
    try {
      const xinput = await conn.extension('xinput');
      if (!xinput.xi2) throw new Error(`the X server at ${display} has no XInput2, so Escape cannot be watched`);
      const watch = new EscapeWatch(conn, listener, options);
      await watch.readEscapes();
      conn.client.on('event', (e) => {
        if (e.name === 'XIRawKeyPress') watch.pressed(e.detail);
        else if (e.name === 'MappingNotify' && e.request === MAPPING_KEYBOARD) watch.reread();
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

  dispose(): Promise<void> {
    this.closing ??= this.conn.close().then(() => this.options.closed?.());
    return this.closing;
  }

  private async readEscapes(): Promise<void> {
    const map = await readKeyboardMap(this.conn);
    this.escapes = new Set(map.places(XK_ESCAPE).map((p) => p.keycode));
  }

  /** A press that came after a change of the map is judged by the new map. */
  private pressed(keycode: number): void {
    if (this.reading) void this.reading.then(() => this.pressed(keycode));
    else if (this.escapes.has(keycode)) this.escaped();
  }

  private reread(): void {
    const reading: Promise<void> = this.readEscapes()
      .catch((error: Error) => this.failed(error))
      .finally(() => this.reading === reading && (this.reading = undefined));
    this.reading = reading;
  }

  private escaped(): void {
    if (this.closing) return;
    try {
      this.listener();
    } catch (e) {
      this.options.logger?.warn(`ra.x11: the Escape listener failed: ${(e as Error).message}`);
    }
  }

  /** A failed re-read keeps the keycodes known before; a lost connection is reported by onLost. */
  private failed(error: Error): void {
    if (this.conn.alive) this.options.logger?.warn(`ra.x11: cannot re-read where Escape is: ${error.message}`);
  }
}
