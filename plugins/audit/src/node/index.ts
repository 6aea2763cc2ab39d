import { ApiRoute, definePlugin, HostEnvironment } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { SessionChannel, sessionHooks } from '@ra/plugin-session/api';
import { join } from 'node:path';
import { CheckpointExchange } from './exchange.js';
import { AuditLog } from './log/audit-log.js';
import { Recorder } from './recorder.js';
import { auditRoutes, ROUTE_IDS } from './routes.js';

/** This computer's log as it opens, once: the routes, the channel and the taps all wait for the one log. */
class Opening {
  constructor(readonly log: Promise<AuditLog>) {}
}

/** `ra.audit`: this computer's session log under RA's home (`audit/`), hash-chained, with signed checkpoints the two sides exchange. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(Opening)
      .toDynamicValue((c) => new Opening(AuditLog.open(join(c.get<PluginContext>(PluginContext).get(HostEnvironment).home, 'audit'))))
      .inSingletonScope();
    ROUTE_IDS.forEach((_, i) => bind(ApiRoute).toDynamicValue((c) => auditRoutes(c.get(Opening).log)[i]));
    bind(CheckpointExchange)
      .toDynamicValue((c) => new CheckpointExchange(c.get(Opening).log, c.get<PluginContext>(PluginContext).logger))
      .inSingletonScope();
    bind(SessionChannel).toService(CheckpointExchange);
  }),
  async activate(ctx) {
    const log = await ctx.get(Opening).log;
    const exchange = ctx.get(CheckpointExchange);
    // Settings are read as each line is written: a change needs no restart.
    ctx.onDidChangeSettings(() => undefined);
    const recorder = new Recorder(log, ctx.logger, {
      keepText: () => ctx.settings.messages === 'text',
      signed: (sessionId, note) => exchange.signed(log, sessionId, note),
    });
    for (const tap of recorder.listen(sessionHooks(ctx.hooks))) ctx.subscriptions.add(tap);
  },
});
