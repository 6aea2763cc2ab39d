import { ApiRoute, ApiSocket, definePlugin, HostEnvironment, PolicyService } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { InvitationTransport } from '@ra/plugin-session/api';
import { NoviceRoute } from '@ra/plugin-session/node';
import { AccountFile } from './account.js';
import { MessengerClient } from './client.js';
import { openRelay, punch } from './paths/index.js';
import { MESSENGER_SECTION, readSettings, type MessengerPolicy } from './policy.js';
import { MessengerRoute } from './route.js';
import { messengerLive, messengerRoutes, ROUTE_IDS } from './routes.js';
import { MessengerTransport } from './transport.js';

/** `ra.messenger`, the client: signs in, keeps presence, sends invitations to contacts and reaches novices through the server's relay. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(MessengerClient)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        return new MessengerClient({
          accounts: new AccountFile(ctx.get(HostEnvironment).home),
          settings: () => readSettings(ctx.settings),
          policy: () => ctx.get(PolicyService).section<MessengerPolicy>(MESSENGER_SECTION),
          logger: ctx.logger,
        });
      })
      .inSingletonScope();
    bind(InvitationTransport)
      .toDynamicValue((c) => new MessengerTransport(c.get(MessengerClient)))
      .inSingletonScope();
    bind(NoviceRoute)
      .toDynamicValue((c) => new MessengerRoute(c.get(MessengerClient), { openRelay, punch }, c.get<PluginContext>(PluginContext).logger))
      .inSingletonScope();
    ROUTE_IDS.forEach((_, i) => bind(ApiRoute).toDynamicValue((c) => messengerRoutes(c.get(MessengerClient))[i]));
    // One socket object for the plugin's life: the host drops connections whose endpoint it no longer finds.
    bind(ApiSocket)
      .toDynamicValue((c) => messengerLive(c.get(MessengerClient)))
      .inSingletonScope();
  }),
  async activate(ctx) {
    const client = ctx.get(MessengerClient);
    ctx.subscriptions.add(client);
    // Settings are read when used (the server and fingerprint a sign-in defaults to): a change must not drop the connection.
    ctx.onDidChangeSettings(() => undefined);
    await client.start().catch((e: Error) => ctx.logger.error(e.message));
  },
});
