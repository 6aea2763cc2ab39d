import { ApiRoute, definePlugin } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { SessionChannel } from '@ra/plugin-session/api';
import { SysinfoChannel } from './sysinfo-channel.js';

/** `example.sysinfo`: a session channel that asks the novice's consent in a scope of its own, and its answer route. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(SysinfoChannel)
      .toDynamicValue((c) => new SysinfoChannel(c.get<PluginContext>(PluginContext).logger))
      .inSingletonScope();
    bind(SessionChannel).toService(SysinfoChannel);
    bind(ApiRoute).toDynamicValue((c) => c.get(SysinfoChannel).answerRoute);
  }),
});
