import { ApiRoute, ApiSocket, definePlugin, InputSink, PolicyService, SessionChannel } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { ControlChannel } from './control-channel.js';
import { ControlHub } from './control-hub.js';

/** `ra.control`: Take Control, shared input through an InputSink, and Esc / Stop that always win. */
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    const hub = new ControlHub();
    for (const route of hub.routes) bind(ApiRoute).toConstantValue(route);
    bind(ApiSocket).toConstantValue(hub.socket);
    bind(SessionChannel).toDynamicValue((c) => {
      const ctx = c.get<PluginContext>(PluginContext);
      return new ControlChannel({
        hub,
        hooks: ctx.hooks,
        logger: ctx.logger,
        policy: () => ctx.get(PolicyService).current().policy,
        settings: () => ({ allowControl: ctx.settings.allowControl === true, maxEventsPerSecond: Number(ctx.settings.maxEventsPerSecond) || 600 }),
        sinks: () => ctx.contributions(InputSink),
      });
    });
  }),
});
