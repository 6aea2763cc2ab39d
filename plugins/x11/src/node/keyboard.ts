import { setTimeout as sleep } from 'node:timers/promises';
import type { XConnection } from './connection.js';
import { MAPPING_KEYBOARD, readKeyboardMap, type KeyboardMap, type KeyPlace } from './keyboard-map.js';

/**
 * How long a lent keycode keeps its keysym after its last press before it may be lent to another:
 * a client that has not yet looked up that press would read the new keysym.
 */
const REUSE_AFTER_MS = 200;

/** A keycode lent to a keysym: the row it had before, and when it was last pressed. */
interface Loan {
  readonly row: readonly number[];
  usedAt: number;
}

/**
 * Finds the keycode for a keysym, and lends a spare keycode to a keysym the map lacks (é, €, 中 on
 * a US map). A lent keycode keeps its keysym until `restore()`: a client reads the map when it
 * handles the key press, maybe long after it, and would type the old keysym if it were put back.
 */
export class Keyboard {
  private map?: Promise<KeyboardMap>;
  /** By keycode, least recently used first. */
  private readonly lent = new Map<number, Loan>();

  constructor(private readonly conn: XConnection) {
    conn.client.on('event', (e) => {
      if (e.name === 'MappingNotify' && e.request === MAPPING_KEYBOARD) this.map = undefined;
    });
  }

  /**
   * Where to press `keysym`. When the map lacks it, a spare keycode is lent, or else the least
   * recently used loan that `busy` says is not down, REUSE_AFTER_MS after its last press.
   * `what` names the key in errors.
   */
  async place(keysym: number, busy: (keycode: number) => boolean, what: string): Promise<KeyPlace[]> {
    const map = await this.current();
    const places = map.places(keysym);
    for (const { keycode } of places) this.touch(keycode);
    if (places.length > 0) return places;

    const keycode = map.spares()[0] ?? [...this.lent.keys()].find((k) => !busy(k));
    if (keycode === undefined) throw new Error(`no spare keycode left on ${this.conn.name} to type ${what}; nothing was injected`);
    const loan = this.lent.get(keycode);
    const wait = loan ? loan.usedAt + REUSE_AFTER_MS - Date.now() : 0;
    if (wait > 0) await sleep(wait);
    if (!loan) this.lent.set(keycode, { row: map.row(keycode), usedAt: 0 });
    this.touch(keycode);
    await this.conn.request<void>((cb) => this.conn.client.ChangeKeyboardMapping(keycode, 2, [keysym, keysym], cb));
    // The MappingNotify this causes drops the map too; the next place() must not trust it either way.
    this.map = undefined;
    return [{ keycode, shift: 'either', caps: false }];
  }

  /** Gives every lent keycode its row back. */
  async restore(): Promise<void> {
    for (const [keycode, { row }] of this.lent) {
      await this.conn.request<void>((cb) => this.conn.client.ChangeKeyboardMapping(keycode, row.length, row, cb));
      this.lent.delete(keycode);
    }
  }

  private current(): Promise<KeyboardMap> {
    if (!this.map) {
      const reading = readKeyboardMap(this.conn);
      // A failed read is not kept: the next key tries again.
      reading.catch(() => this.map === reading && (this.map = undefined));
      this.map = reading;
    }
    return this.map;
  }

  /** A lent keycode is about to be pressed: last in line for reuse. */
  private touch(keycode: number): void {
    const loan = this.lent.get(keycode);
    if (!loan) return;
    loan.usedAt = Date.now();
    this.lent.delete(keycode);
    this.lent.set(keycode, loan);
  }
}
