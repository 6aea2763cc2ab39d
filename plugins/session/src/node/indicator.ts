import type { Disposable, Logger } from '@ra/kernel';
import type { DesktopIndicator, IndicatorActions, IndicatorHelper } from '../common/api.js';
import type { SessionRegistry } from './session/registry.js';

/**
 * Keeps every DesktopIndicator showing who is connected to this computer and what each may do.
 * Only changes are passed on; an indicator that fails is logged once per kind of failure, and the
 * session goes on: the page's bar still shows everyone.
 */
export function driveIndicators(registry: SessionRegistry, indicators: () => DesktopIndicator[], logger: Logger): Disposable {
  let shown = '[]';
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
  const sync = () => {
    const helpers: IndicatorHelper[] = registry
      .list()
      .filter((s) => s.role === 'novice' && s.state === 'open')
      .map((s) => ({ sessionId: s.id, name: s.peerName, rights: s.rights }));
    const key = JSON.stringify(helpers);
    if (key === shown) return;
    shown = key;
    for (const indicator of indicators()) {
      indicator.show(helpers, actions).then(
        () => failed.delete(indicator.id),
        (e: Error) => {
          if (!failed.has(indicator.id)) logger.warn(`the desktop indicator '${indicator.id}' cannot show who is connected: ${e.message}`);
          failed.add(indicator.id);
        },
      );
    }
  };
  const subscription = registry.subscribe({ changed: sync, frame: () => undefined });
  return {
    dispose: () => {
      subscription.dispose();
      if (shown !== '[]') for (const indicator of indicators()) void indicator.show([], actions).catch(() => undefined);
    },
  };
}
