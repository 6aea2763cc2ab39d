import { ApiRoute, definePlugin, SessionChannel } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { ChatChannel } from './chat-channel.js';
import { CHAT_ROUTES } from './routes.js';

/** `ra.chat`: text chat in a session; each side keeps the history and sends through its local API. */
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    bind(ChatChannel).toDynamicValue((c) => new ChatChannel(c.get<PluginContext>(PluginContext).logger)).inSingletonScope();
    bind(SessionChannel).toDynamicValue((c) => c.get(ChatChannel));
    for (const route of CHAT_ROUTES) bind(ApiRoute).toDynamicValue((c) => route(c.get(ChatChannel)));
  }),
});
