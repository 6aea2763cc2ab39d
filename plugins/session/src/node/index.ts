import { ApiRoute, ApiSocket, definePlugin } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { liveSocket } from './live.js';
import { apiRoutes } from './routes.js';
import { SessionRuntime } from './runtime.js';

const Runtime = Symbol.for('ra.session:SessionRuntime');

/** `ra.session`: invitations, the novice's listener, the helper's connector, consent, and their API. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    const runtime = new SessionRuntime();
    bind(Runtime).toConstantValue(runtime);
    for (const route of apiRoutes(runtime)) bind(ApiRoute).toConstantValue(route);
    bind(ApiSocket).toConstantValue(liveSocket(runtime));
  }),
  async activate(ctx) {
    await ctx.get<SessionRuntime>(Runtime).start(ctx);
  },
});
