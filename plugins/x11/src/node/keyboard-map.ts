import type { XConnection } from './connection.js';
import { characterOf } from './keysyms.js';

/** MappingNotify's `request` when the keysyms of some keycodes changed. */
export const MAPPING_KEYBOARD = 1;

/** Whether a keycode gives the keysym with Shift up, with Shift down, or either way. */
export type ShiftLevel = 'up' | 'down' | 'either';

export interface KeyPlace {
  readonly keycode: number;
  readonly shift: ShiftLevel;
  /** Its levels are a letter in lower and upper case, so Caps Lock swaps them. */
  readonly caps: boolean;
}

/** The modifiers in force that choose a level. */
export interface Modifiers {
  readonly shift: boolean;
  readonly lock: boolean;
}

/**
 * Which of a keysym's places to press with these modifiers in force, and whether Shift must be
 * flipped for it: Caps Lock swaps the levels of a letter, and Shift swaps them back.
 */
export function choosePlace(places: readonly KeyPlace[], { shift, lock }: Modifiers): { place: KeyPlace; flipShift: boolean } {
  const fits = (p: KeyPlace) => p.shift === 'either' || (p.shift === 'down') === (shift !== (p.caps && lock));
  const place = places.find((p) => p.shift === 'either') ?? places.find(fits) ?? places[0];
  return { place, flipShift: !fits(place) };
}

/** The core keyboard mapping: a row of keysyms per keycode, 0 for NoSymbol. */
export class KeyboardMap {
  constructor(
    private readonly firstKeycode: number,
    private readonly rows: readonly (readonly number[])[],
  ) {}

  /** The keycodes that type `keysym` in the first group: column 0 without Shift, column 1 with. */
  places(keysym: number): KeyPlace[] {
    const places: KeyPlace[] = [];
    this.rows.forEach((row, i) => {
      // A keysym alone in column 0 stands for both levels (X protocol, section 5).
      const [plain, shifted = 0] = row;
      const upper = shifted || plain;
      if (plain !== keysym && upper !== keysym) return;
      const shift = plain === upper ? 'either' : plain === keysym ? 'up' : 'down';
      const letter = characterOf(plain);
      places.push({ keycode: this.firstKeycode + i, shift, caps: shift !== 'either' && letter !== undefined && letter.toUpperCase() === characterOf(upper) });
    });
    return places;
  }

  /** Keycodes with no keysym at all, highest first: free to lend to a keysym the map lacks. */
  spares(): number[] {
    const spares: number[] = [];
    this.rows.forEach((row, i) => row.every((keysym) => keysym === 0) && spares.unshift(this.firstKeycode + i));
    return spares;
  }

  row(keycode: number): readonly number[] {
    return this.rows[keycode - this.firstKeycode] ?? [];
  }
}

/** Reads the mapping of every keycode the server has. */
export async function readKeyboardMap(conn: XConnection): Promise<KeyboardMap> {
  const { min_keycode: first, max_keycode: last } = conn.display;
  const rows = await conn.request<number[][]>((cb) => conn.client.GetKeyboardMapping(first, last - first + 1, cb));
  return new KeyboardMap(first, rows);
}
