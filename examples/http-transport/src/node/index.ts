import { definePlugin } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import type { PluginContext } from '@ra/kernel/node';
import { InvitationTransport } from '@ra/plugin-session/api';
import { HttpTransport } from './http-transport.js';

/** `example.http`: one InvitationTransport, found by `ra open URL` and the page's help form through `accepts`. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(InvitationTransport).to(HttpTransport);
  }),
});
