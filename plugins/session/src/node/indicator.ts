import type { Disposable, Logger } from '@ra/kernel';
import type { DesktopIndicator, IndicatorActions, IndicatorHelper } from '../common/api.js';
import type { SessionRegistry } from './session/registry.js';

/** How often the indicators are looked at again: one that came since (its plugin enabled) or failed last time is shown then. */
const RECHECK_MS = 2000;

/**
 * Keeps every DesktopIndicator showing who is connected to this computer and what each may do.
 * Each indicator is told only what it has not shown yet, one call at a time; one that fails is
 * logged once per kind of failure and tried again, and the session goes on: the page's bar still
 * shows everyone.
 */
export function driveIndicators(registry: SessionRegistry, indicators: () => DesktopIndicator[], logger: Logger): Disposable {
  /** What each indicator showed last, and whether a call to it is under way. */
  const shown = new WeakMap<DesktopIndicator, string>();
  const busy = new WeakSet<DesktopIndicator>();
  const failed = new Set<string>();
  const actions: IndicatorActions = {
    stopControl: (id) => attempt(() => registry.revoke(id, 'control')),
    disconnect: (id) => attempt(() => registry.disconnect(id)),
  };
  const attempt = (act: () => unknown) => {
    try {
      act();
    } catch (e) {
      logger.warn(`the desktop indicator's button did nothing: ${(e as Error).message}`);
    }
  };
  const helpers = (): IndicatorHelper[] =>
    registry
      .list()
      .filter((s) => s.role === 'novice' && s.state === 'open')
      .map((s) => ({ sessionId: s.id, name: s.peerName, rights: s.rights }));
  let stopped = false;
  const show = (indicator: DesktopIndicator, list: IndicatorHelper[], key: string) => {
    busy.add(indicator);
    indicator.show(list, actions).then(
      () => {
        busy.delete(indicator);
        shown.set(indicator, key);
        failed.delete(indicator.id);
        // What changed while it was busy.
        sync();
      },
      (e: Error) => {
        busy.delete(indicator);
        // Tried again at the next change or look, not at once.
        if (!failed.has(indicator.id)) logger.warn(`the desktop indicator '${indicator.id}' cannot show who is connected: ${e.message}`);
        failed.add(indicator.id);
      },
    );
  };
  const sync = () => {
    if (stopped) return;
    const list = helpers();
    const key = JSON.stringify(list);
    // An indicator never told anything shows nothing: it needs no empty list.
    for (const indicator of indicators()) if (!busy.has(indicator) && (shown.get(indicator) ?? '[]') !== key) show(indicator, list, key);
  };
  const subscription = registry.subscribe({ changed: sync, frame: () => undefined });
  const timer = setInterval(sync, RECHECK_MS);
  timer.unref();
  return {
    dispose: () => {
      stopped = true;
      clearInterval(timer);
      subscription.dispose();
      try {
        for (const indicator of indicators()) if ((shown.get(indicator) ?? '[]') !== '[]') void indicator.show([], actions).catch(() => undefined);
      } catch {
        // RA is stopping and the plugins that contributed them went first.
      }
    },
  };
}
