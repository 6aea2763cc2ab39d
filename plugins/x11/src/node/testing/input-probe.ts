import type { PointerPosition } from 'x11';
import { XConnection } from '../connection.js';

/** A key or button going down or up, as the server reported it. */
export interface Stroke {
  readonly type: 'key' | 'button';
  readonly down: boolean;
  /** The keycode or button number. */
  readonly detail: number;
}

const STROKES: Readonly<Record<string, Omit<Stroke, 'detail'>>> = {
  XIRawKeyPress: { type: 'key', down: true },
  XIRawKeyRelease: { type: 'key', down: false },
  XIRawButtonPress: { type: 'button', down: true },
  XIRawButtonRelease: { type: 'button', down: false },
};

/**
 * Watches a test display through a connection of its own, as another client would: every key and
 * button stroke from any device (XInput2 raw events), where the pointer is, and what is held down.
 */
export class InputProbe {
  readonly strokes: Stroke[] = [];

  private constructor(private readonly conn: XConnection) {
    conn.client.on('event', (e) => {
      const stroke = STROKES[e.name];
      if (stroke && 'detail' in e) this.strokes.push({ ...stroke, detail: e.detail });
    });
  }

  static async open(display: string): Promise<InputProbe> {
    const conn = await XConnection.open(display, { timeoutMs: 2000, sharedMemory: false });
    const { AllMasterDevices, EventMask, XISelectEvents } = await conn.extension('xinput');
    XISelectEvents(conn.screen.root, [
      { deviceId: AllMasterDevices, mask: EventMask.RawKeyPress | EventMask.RawKeyRelease | EventMask.RawButtonPress | EventMask.RawButtonRelease },
    ]);
    const probe = new InputProbe(conn);
    await probe.sync();
    return probe;
  }

  /** Where the pointer is, and the modifier and button mask (QueryPointer). */
  pointer(): Promise<PointerPosition> {
    return this.conn.request<PointerPosition>((cb) => this.conn.client.QueryPointer(this.conn.screen.root, cb));
  }

  /** The keycodes that are down (QueryKeymap). */
  async keysDown(): Promise<number[]> {
    const bits = await this.conn.request<Buffer>((cb) => this.conn.client.QueryKeymap(cb));
    const down: number[] = [];
    for (let keycode = 0; keycode < 256; keycode++) if (bits[keycode >> 3] & (1 << (keycode & 7))) down.push(keycode);
    return down;
  }

  /** The keysyms of every keycode (GetKeyboardMapping). */
  keyboardRows(): Promise<number[][]> {
    const { min_keycode: first, max_keycode: last } = this.conn.display;
    return this.conn.request<number[][]>((cb) => this.conn.client.GetKeyboardMapping(first, last - first + 1, cb));
  }

  /** The keysyms of one keycode. */
  async keysymsOf(keycode: number): Promise<number[]> {
    return (await this.keyboardRows())[keycode - this.conn.display.min_keycode];
  }

  /** The highest keycode without keysyms, where a check can put one of its own. */
  async spareKeycode(): Promise<number> {
    const rows = await this.keyboardRows();
    return this.conn.display.min_keycode + rows.findLastIndex((row) => row.every((keysym) => keysym === 0));
  }

  /** Where `keysym` is, plain or shifted. */
  async keycodesOf(keysym: number): Promise<number[]> {
    const rows = await this.keyboardRows();
    return rows.flatMap((row, i) => (row[0] === keysym || row[1] === keysym ? [this.conn.display.min_keycode + i] : []));
  }

  /** Gives `keycode` these keysyms, as xmodmap would. */
  async remap(keycode: number, keysyms: readonly number[]): Promise<void> {
    await this.conn.request<void>((cb) => this.conn.client.ChangeKeyboardMapping(keycode, keysyms.length, keysyms, cb));
  }

  /** Presses and releases a physical key through XTEST, whatever keysym it has now. */
  async press(keycode: number): Promise<void> {
    const { KeyPress, KeyRelease, FakeInput } = await this.conn.extension('xtest');
    FakeInput(KeyPress, keycode, 0, this.conn.screen.root, 0, 0);
    FakeInput(KeyRelease, keycode, 0, this.conn.screen.root, 0, 0);
    await this.sync();
  }

  /**
   * Grabs what a client can, as a program the helper started could: the keyboard, the pointer, the
   * Escape key (keycode 9, any modifiers), and the server until `ungrabServer()`.
   */
  async grabAll(): Promise<void> {
    const { client, screen } = this.conn;
    const [ASYNC, BUTTONS, ANY_MODIFIER] = [1, 0x4 | 0x8, 0x8000];
    const statuses = [
      await this.conn.request<number>((cb) => client.GrabKeyboard(screen.root, 0, 0, ASYNC, ASYNC, cb)),
      await this.conn.request<number>((cb) => client.GrabPointer(screen.root, 0, BUTTONS, ASYNC, ASYNC, 0, 0, 0, cb)),
    ];
    if (statuses.some((s) => s !== 0)) throw new Error(`the probe could not grab the keyboard and the pointer (status ${statuses.join(', ')})`);
    client.GrabKey(screen.root, 0, ANY_MODIFIER, 9, ASYNC, ASYNC);
    client.GrabServer();
    await this.sync();
  }

  async ungrabServer(): Promise<void> {
    this.conn.client.UngrabServer();
    await this.sync();
  }

  /** A round trip: every event the server sent before has arrived. */
  async sync(): Promise<void> {
    await this.conn.request((cb) => this.conn.client.GetInputFocus(cb));
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
