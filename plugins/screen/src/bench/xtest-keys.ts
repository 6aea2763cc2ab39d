import { createRequire } from 'node:module';

/** The few calls of the `x11` package the bench uses (the package ships no types). */
interface Client {
  on(event: 'error', listener: (e: Error) => void): void;
  GetKeyboardMapping(first: number, count: number, cb: (e: Error | null, rows: number[][]) => void): void;
  GetInputFocus(cb: (e: Error | null) => void): void;
  MoveWindow(window: number, x: number, y: number): void;
  require(name: 'xtest', cb: (e: Error | null, ext: XTest) => void): void;
  close(): void;
}
interface XTest {
  KeyPress: number;
  KeyRelease: number;
  FakeInput(type: number, detail: number, time: number, root: number, x: number, y: number): void;
}
interface Display {
  min_keycode: number;
  max_keycode: number;
  screen: { root: number }[];
}

const x11 = createRequire(import.meta.url)('x11') as { createClient(o: { display: string }, cb: (e: Error | null, d: Display) => void): Client };

/**
 * Types on the novice's X display through XTEST, and moves windows, on one open connection: a key reaches the X server within a round trip,
 * without the ~30 ms an `xdotool` process takes to start, which would hide the viewers' own differences.
 */
export async function xtestKeyboard(
  display: string,
): Promise<{ press(char: string): Promise<void>; move(window: number, x: number, y: number): Promise<void>; close(): void }> {
  let client!: Client;
  const screen = await new Promise<Display>((resolve, reject) => {
    client = x11.createClient({ display }, (e, d) => (e ? reject(e) : resolve(d)));
    client.on('error', reject);
  });
  const rows = await new Promise<number[][]>((resolve, reject) =>
    client.GetKeyboardMapping(screen.min_keycode, screen.max_keycode - screen.min_keycode + 1, (e, r) => (e ? reject(e) : resolve(r))),
  );
  const xtest = await new Promise<XTest>((resolve, reject) => client.require('xtest', (e, ext) => (e ? reject(e) : resolve(ext))));
  const root = screen.screen[0].root;
  const roundTrip = () => new Promise<void>((resolve, reject) => client.GetInputFocus((e) => (e ? reject(e) : resolve())));
  return {
    async press(char) {
      const row = rows.findIndex((r) => r[0] === char.charCodeAt(0));
      if (row < 0) throw new Error(`no key types '${char}' on ${display}`);
      xtest.FakeInput(xtest.KeyPress, screen.min_keycode + row, 0, root, 0, 0);
      xtest.FakeInput(xtest.KeyRelease, screen.min_keycode + row, 0, root, 0, 0);
      await roundTrip();
    },
    /** A window dragged one step, on the same connection (no window manager on the bench's Xvfb). */
    async move(window, x, y) {
      client.MoveWindow(window, x, y);
      await roundTrip();
    },
    close: () => client.close(),
  };
}
