import type { Disposable, Logger } from '@ra/kernel';
import type { InputSink } from '@ra/plugin-control/api';
import { CONNECT_TIMEOUT_MS } from './connection.js';
import type { DesktopGuards } from './desktop-guard.js';
import { EscapeWatch } from './escape-watch.js';
import { InjectedKeys } from './injected-keys.js';
import { X11InputTarget } from './x11-input-target.js';

/** The `x11` input sink: XTEST keyboard and mouse, and Escape seen through XInput2. */
export class X11InputSink implements InputSink, Disposable {
  readonly id = 'x11';
  readonly title = 'X11 keyboard and mouse';
  /** Targets and watches still open, closed with the plugin. */
  private readonly live = new Set<Disposable>();
  /** The helper's own Esc presses, which the novice's Esc watch lets through to the remote program. */
  private readonly injected = new InjectedKeys();

  /** `logger` hears what the targets and watches could not do; `guards` keep helper input off protected windows. */
  constructor(
    private readonly logger?: Logger,
    private readonly guards?: DesktopGuards,
  ) {}

  async open(display: string): Promise<X11InputTarget> {
    const lease = await this.guards?.lease(display);
    try {
      const target: X11InputTarget = await X11InputTarget.open(display, {
        ...this.connecting(),
        guard: lease?.guard,
        injecting: (keycode) => this.injected.announce(display, keycode),
        closed: () => {
          lease?.dispose();
          this.live.delete(target);
        },
      });
      this.live.add(target);
      return target;
    } catch (e) {
      lease?.dispose();
      throw e;
    }
  }

  async watchEscape(display: string, listener: (reason?: string) => void): Promise<EscapeWatch> {
    const watch = await EscapeWatch.start(display, listener, {
      ...this.connecting(),
      injected: (keycode) => this.injected.consume(display, keycode),
      closed: () => this.live.delete(watch),
    });
    this.live.add(watch);
    return watch;
  }

  /** Releases what every target holds and stops every watch, e.g. when the plugin is deactivated. */
  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((d) => d.dispose()));
  }

  private connecting(): { timeoutMs: number; logger?: Logger } {
    return { timeoutMs: CONNECT_TIMEOUT_MS, logger: this.logger };
  }
}
