import { ApiRoute, ApiSocket, definePlugin, HostEnvironment, PolicyService } from '@ra/kernel';
import { InputSink } from '../common/api.js';
import { SessionChannel } from '@ra/plugin-session/api';
import { SOLICITED_SECTION, type SolicitedPolicy } from '@ra/plugin-session/api';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { ControlChannel } from './control-channel.js';
import { ControlHub } from './control-hub.js';

/** `ra.control`: Take Control, shared input through an InputSink, and Esc / Stop that always win. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    const hub = new ControlHub();
    bind(ControlHub).toConstantValue(hub);
    for (const route of hub.routes) bind(ApiRoute).toConstantValue(route);
    bind(ApiSocket).toConstantValue(hub.socket);
    bind(SessionChannel).toDynamicValue((c) => {
      const ctx = c.get<PluginContext>(PluginContext);
      return new ControlChannel({
        hub,
        logger: ctx.logger,
        policy: () => ctx.get(PolicyService).section<SolicitedPolicy>(SOLICITED_SECTION),
        display: () => ctx.get(HostEnvironment).display,
        settings: () => ({ allowControl: ctx.settings.allowControl === true, maxEventsPerSecond: Number(ctx.settings.maxEventsPerSecond) || 600 }),
        sinks: () => ctx.contributions(InputSink),
        limits: () => {
          const { pauseSeconds, controlMinutes } = ctx.get(PolicyService).section<{ pauseSeconds: number; controlMinutes: number }>('control');
          return { pauseMs: pauseSeconds * 1000, periodMs: controlMinutes * 60_000 };
        },
      });
    });
  }),
  activate(ctx) {
    // Sessions outlive this plugin; its endpoints must not: disabling it ends control at once.
    ctx.subscriptions.add(ctx.get(ControlHub));
    // A settings change applies live: switching control off ends it, and the sessions go on.
    ctx.onDidChangeSettings(() => ctx.get(ControlHub).settingsChanged());
  },
});
