import type { Disposable, Logger } from '@ra/kernel';
import type { DesktopIndicator, IndicatorActions, IndicatorHelper } from '@ra/plugin-session/api';
import type { DesktopGuards, GuardLease } from './desktop-guard.js';
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
  readonly watching: Disposable;
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
    const display = this.deps.display();
    if (!display || !this.deps.enabled() || this.helpers.length === 0) return this.hide();
    const shown = this.shown && this.shown.windows.alive ? this.shown : await this.open(display);
    const controlling = this.helpers.filter((h) => h.rights.includes('control'));
    const watching = this.helpers.filter((h) => !h.rights.includes('control'));
    const hidden = [...new Set(shown.lease.guard.protectedWindows.map((w) => w.name))];
    const parts = [
      ...controlling.map((h) => `${h.name} controls your computer`),
      watching.length ? `${names(watching)} ${watching.length === 1 ? 'sees' : 'see'} your screen` : '',
      hidden.length ? `Hidden from them: ${hidden.join(', ')}` : '',
    ].filter(Boolean);
    const actions = this.actions!;
    const buttons = [
      ...(controlling.length ? [{ label: 'Stop Control', press: () => controlling.forEach((h) => actions.stopControl(h.sessionId)) }] : []),
      { label: 'Disconnect', press: () => this.helpers.forEach((h) => actions.disconnect(h.sessionId)) },
    ];
    await shown.windows.show(controlling.length > 0, `RA: ${parts.join('. ')}`, buttons);
  }

  private async open(display: string): Promise<Shown> {
    await this.hide();
    const lease = await this.deps.guards.lease(display);
    try {
      const windows = await IndicatorWindows.open(display);
      lease.guard.setCovers(windows.covers);
      await windows.map();
      // The hidden windows' names are part of the bar's line.
      const watching = lease.guard.onChange(() => void this.apply());
      windows.onLost((reason) => this.deps.logger?.warn(`ra.x11: the desktop indicator is gone: ${reason}`));
      this.shown = { windows, lease, watching };
      return this.shown;
    } catch (e) {
      lease.dispose();
      throw e;
    }
  }

  private async hide(): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    this.shown = undefined;
    shown.watching.dispose();
    await shown.windows.close();
    shown.lease.guard.setCovers([]);
    shown.lease.dispose();
  }
}

function names(helpers: readonly IndicatorHelper[]): string {
  const all = helpers.map((h) => h.name);
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} and ${all.at(-1)}` : all[0];
}
