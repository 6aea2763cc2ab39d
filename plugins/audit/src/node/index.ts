import { ApiRoute, definePlugin, HostEnvironment } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { sessionHooks } from '@ra/plugin-session/api';
import { join } from 'node:path';
import { AuditLog } from './log/audit-log.js';
import { Recorder } from './recorder.js';
import { auditRoutes, ROUTE_IDS } from './routes.js';

/** This computer's log as it opens: the routes wait for it, as the taps do. */
class Opening {
  constructor(readonly log: Promise<AuditLog>) {}
}

/** `ra.audit`: this computer's session log under RA's home (`audit/`), hash-chained, with signed checkpoints. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(Opening).toDynamicValue((c) => new Opening(AuditLog.open(join(c.get<PluginContext>(PluginContext).get(HostEnvironment).home, 'audit'))));
    ROUTE_IDS.forEach((_, i) => bind(ApiRoute).toDynamicValue((c) => auditRoutes(c.get(Opening).log)[i]));
  }),
  async activate(ctx) {
    const log = await ctx.get(Opening).log;
    for (const tap of new Recorder(log, ctx.logger).listen(sessionHooks(ctx.hooks))) ctx.subscriptions.add(tap);
  },
});
