/** How long an announced injection waits for its own key press to come back from the server. */
const EXPECT_MS = 1000;

/**
 * Key presses RA itself is about to inject for the helper, per display, so the novice's Esc watch
 * can tell the helper's Esc (which goes to the remote program) from the novice's. The watch skips a
 * press only when it came through XTEST *and* RA announced it: a physical key is never skipped.
 */
export class InjectedKeys {
  private readonly expected = new Map<string, number[]>();

  /** The target is about to press `keycode` on `display` through XTEST. */
  announce(display: string, keycode: number): void {
    const key = `${display}\n${keycode}`;
    const now = Date.now();
    this.expected.set(key, [...(this.expected.get(key) ?? []).filter((at) => now - at < EXPECT_MS), now].slice(-16));
  }

  /** Whether an XTEST press of `keycode` was one RA announced; it is used up. */
  consume(display: string, keycode: number): boolean {
    const key = `${display}\n${keycode}`;
    const now = Date.now();
    const waiting = (this.expected.get(key) ?? []).filter((at) => now - at < EXPECT_MS);
    const hit = waiting.length > 0;
    if (waiting.length > 1) this.expected.set(key, waiting.slice(1));
    else this.expected.delete(key);
    return hit;
  }
}
