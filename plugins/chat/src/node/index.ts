import { ApiRoute, ApiSocket, definePlugin } from '@ra/kernel';
import { SessionChannel } from '@ra/plugin-session/api';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { ChatChannel } from './chat-channel.js';
import { liveSocket } from './live.js';
import { CHAT_ROUTES } from './routes.js';

/** `ra.chat`: text chat in a session; each side keeps the history, sends through its local API and pushes to its pages. */
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    bind(ChatChannel)
      .toDynamicValue((c) => new ChatChannel(c.get<PluginContext>(PluginContext).logger))
      .inSingletonScope();
    bind(SessionChannel).toService(ChatChannel);
    for (const route of CHAT_ROUTES) bind(ApiRoute).toDynamicValue((c) => route(c.get(ChatChannel)));
    // One socket object for the plugin's life: the host drops connections whose endpoint it no longer finds.
    bind(ApiSocket)
      .toDynamicValue((c) => liveSocket(c.get(ChatChannel)))
      .inSingletonScope();
  }),
});
