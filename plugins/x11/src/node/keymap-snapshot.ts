import { setTimeout as sleep } from 'node:timers/promises';
import type { XConnection } from './connection.js';
import { readKeyboardMap, type KeyboardMap } from './keyboard-map.js';

/** SetModifierMapping's status while a key of a modifier it changes is down. */
const MAPPING_BUSY = 1;
/** How long to keep retrying a busy modifier map: a key is rarely held longer. */
const BUSY_RETRY_MS = 2000;

/**
 * The keyboard map and modifier map of a display at one moment, to tell whether another client
 * changed them since and to put them back.
 */
export class KeymapSnapshot {
  private constructor(
    private readonly conn: XConnection,
    private readonly keys: KeyboardMap,
    private readonly modifiers: readonly (readonly number[])[],
  ) {}

  static async take(conn: XConnection): Promise<KeymapSnapshot> {
    return new KeymapSnapshot(conn, await readKeyboardMap(conn), await readModifiers(conn));
  }

  /**
   * What changed since, in words, or undefined. Keycodes that had no keysym are left out: input
   * targets lend those to keysyms the map lacks, and no key the novice uses is there.
   */
  async changed(): Promise<string | undefined> {
    const keys = await readKeyboardMap(this.conn);
    const spares = new Set(this.keys.spares());
    const moved = this.keycodes().filter((k) => !spares.has(k) && !sameRow(keys.row(k), this.keys.row(k)));
    if (moved.length > 0) return `the keyboard map changed (keycode ${moved.join(', ')})`;
    if (!sameModifiers(await readModifiers(this.conn), this.modifiers)) return 'the modifier map changed';
    return undefined;
  }

  /** Puts back every keycode that differs, and the modifier map if it differs. */
  async restore(): Promise<void> {
    const keys = await readKeyboardMap(this.conn);
    for (const keycode of this.keycodes()) {
      const row = this.keys.row(keycode);
      if (!sameRow(keys.row(keycode), row)) await this.conn.request<void>((cb) => this.conn.client.ChangeKeyboardMapping(keycode, row.length, row, cb));
    }
    const deadline = Date.now() + BUSY_RETRY_MS;
    while (!sameModifiers(await readModifiers(this.conn), this.modifiers)) {
      const status = await this.conn.request<number>((cb) => this.conn.client.SetModifierMapping(this.modifiers, cb));
      if (status === MAPPING_BUSY && Date.now() < deadline) await sleep(50);
      else if (status !== 0) throw new Error(`the X server at ${this.conn.name} refused to put the modifier map back (status ${status})`);
    }
  }

  private keycodes(): number[] {
    const { min_keycode: first, max_keycode: last } = this.conn.display;
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
}

function readModifiers(conn: XConnection): Promise<number[][]> {
  return conn.request<number[][]>((cb) => conn.client.GetModifierMapping(cb));
}

/** Trailing NoSymbols mean nothing: a row written shorter reads back padded. */
function sameRow(a: readonly number[], b: readonly number[]): boolean {
  const trim = (row: readonly number[]) => row.slice(0, row.findLastIndex((k) => k !== 0) + 1);
  return trim(a).join() === trim(b).join();
}

/** The order of a modifier's keycodes and the 0s that pad them mean nothing. */
function sameModifiers(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  const keys = (rows: readonly (readonly number[])[]) =>
    rows.map((row) =>
      [...row]
        .filter((k) => k !== 0)
        .sort((x, y) => x - y)
        .join(),
    );
  return keys(a).join('|') === keys(b).join('|');
}
