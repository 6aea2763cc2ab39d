import type { Disposable, Logger } from '@ra/kernel';
import type { DesktopIndicator, IndicatorActions, IndicatorHelper } from '@ra/plugin-session/api';
import type { DesktopGuards, GuardLease } from './desktop-guard.js';
import { barRows, type BarAction, type BarView } from './indicator-bar.js';
import { IndicatorWindows } from './indicator-windows.js';

export interface IndicatorDeps {
  display(): string | undefined;
  /** The novice's setting "Show who is connected on the desktop". */
  enabled(): boolean;
  readonly guards: DesktopGuards;
  readonly logger?: Logger;
}

interface Shown {
  readonly windows: IndicatorWindows;
  readonly lease: GuardLease;
  readonly watching: Disposable[];
  /** What the bar shows now. */
  key: string;
}

/**
 * The `x11` DesktopIndicator: a border and a bar on the novice's X display while anyone is
 * connected, naming who watches and who controls, with Stop Control and Disconnect, and which
 * windows are hidden from them. Its windows are covers of the display's guard, so no helper sees
 * them and no helper input reaches the bar.
 */
export class X11Indicator implements DesktopIndicator, Disposable {
  readonly id = 'x11';
  private shown?: Shown;
  private helpers: readonly IndicatorHelper[] = [];
  private actions?: IndicatorActions;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: IndicatorDeps) {}

  show(helpers: readonly IndicatorHelper[], actions: IndicatorActions): Promise<void> {
    this.helpers = helpers;
    this.actions = actions;
    return this.apply();
  }

  /** The setting changed: show or hide as it now says. */
  refresh(): Promise<void> {
    return this.apply();
  }

  dispose(): Promise<void> {
    this.helpers = [];
    return this.apply();
  }

  /** One change at a time, each against the latest helpers. */
  private apply(): Promise<void> {
    const run = this.queue.then(() => this.render());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async render(): Promise<void> {
    // Nobody to show (as at dispose, when the plugin's services are gone): hide without asking for them.
    if (this.helpers.length === 0) return this.hide();
    const display = this.deps.display();
    if (!display || !this.deps.enabled()) return this.hide();
    const shown = this.shown && this.shown.windows.alive ? this.shown : await this.open(display);
    const { guard } = shown.lease;
    const view: BarView = {
      helpers: this.helpers,
      hidden: [...new Set(guard.protectedWindows.map((w) => w.name))],
      dropped: [...guard.dropped.values()].reduce((a, b) => a + b, 0),
    };
    const key = JSON.stringify(view);
    if (key === shown.key) return;
    await shown.windows.show(
      this.helpers.some((h) => h.rights.includes('control')),
      barRows(view),
      (action) => this.press(action),
    );
    shown.key = key;
  }

  /** The novice's own click on the bar. */
  private press(action: BarAction): void {
    const actions = this.actions;
    if (!actions) return;
    for (const id of action.sessionIds) {
      try {
        if (action.kind === 'stop-control') actions.stopControl(id);
        else actions.disconnect(id);
      } catch (e) {
        this.deps.logger?.warn(`ra.x11: the desktop indicator's ${action.kind} did nothing: ${(e as Error).message}`);
      }
    }
  }

  private async open(display: string): Promise<Shown> {
    await this.hide();
    const lease = await this.deps.guards.lease(display);
    try {
      const windows = await IndicatorWindows.open(display, (covers) => lease.guard.setCovers(covers));
      await windows.map();
      // What is hidden and how much was dropped are part of the bar.
      const later = () => void this.apply().catch((e: Error) => this.deps.logger?.warn(`ra.x11: cannot update the desktop indicator: ${e.message}`));
      const watching = [lease.guard.onChange(later), lease.guard.onDrop(later)];
      windows.onLost((reason) => this.deps.logger?.warn(`ra.x11: the desktop indicator is gone: ${reason}`));
      // Drawn again around the screen's new size.
      windows.onOutdated(later);
      this.shown = { windows, lease, watching, key: '' };
      return this.shown;
    } catch (e) {
      lease.guard.setCovers([]);
      lease.dispose();
      throw e;
    }
  }

  private async hide(): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    this.shown = undefined;
    for (const w of shown.watching) w.dispose();
    await shown.windows.close();
    // Once the server took them down: a grab in between still shows what lay under them.
    shown.lease.guard.setCovers([]);
    shown.lease.dispose();
  }
}
