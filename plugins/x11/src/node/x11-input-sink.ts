import type { Disposable, Logger } from '@ra/kernel';
import type { InputSink } from '@ra/plugin-control/api';
import { CONNECT_TIMEOUT_MS } from './connection.js';
import type { DesktopGuards } from './desktop-guard.js';
import { EscapeWatch } from './escape-watch.js';
import { X11InputTarget } from './x11-input-target.js';

/** The `x11` input sink: XTEST keyboard and mouse, and Escape seen through XInput2. */
export class X11InputSink implements InputSink, Disposable {
  readonly id = 'x11';
  readonly title = 'X11 keyboard and mouse';
  /** Targets and watches still open, closed with the plugin. */
  private readonly live = new Set<Disposable>();

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
    const watch = await EscapeWatch.start(display, listener, { ...this.connecting(), closed: () => this.live.delete(watch) });
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
