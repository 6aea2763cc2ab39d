import { ApiRoute, ApiSocket, definePlugin, HostEnvironment } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { NetworkListener, PluginContext } from '@ra/kernel/node';
import { NoviceRoute } from './api.js';
import { DEFAULT_PORT } from './invitation/address.js';
import { DirectRoute } from './direct-route.js';
import { liveSocket } from './live.js';
import { apiRoutes } from './routes.js';
import { SessionRuntime } from './runtime.js';

/** `ra.session`: invitations, sessions over every NoviceRoute (the direct one is its own), consent, and their API. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    const runtime = new SessionRuntime();
    bind(SessionRuntime).toConstantValue(runtime);
    for (const route of apiRoutes(runtime)) bind(ApiRoute).toConstantValue(route);
    bind(ApiSocket).toConstantValue(liveSocket(runtime));
    bind(NoviceRoute).toDynamicValue((c) => {
      const ctx = c.get<PluginContext>(PluginContext);
      const settings = () => {
        const { listenPort } = ctx.get(HostEnvironment);
        const addresses = ctx.settings.addresses as string[] | undefined;
        return { port: listenPort ?? (Number(ctx.settings.port) || DEFAULT_PORT), host: String(ctx.settings.listenHost ?? '0.0.0.0'), addresses };
      };
      return new DirectRoute(() => ctx.get(NetworkListener), settings);
    });
  }),
  async activate(ctx) {
    await ctx.get(SessionRuntime).start(ctx);
  },
});
