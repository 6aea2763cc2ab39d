import { ContainerModule } from '@ra/kernel/inversify';
import { definePlugin } from '@ra/kernel';
import { InvitationTransport } from '@ra/plugin-session/api';
import type { PluginContext } from '@ra/kernel/node';
import { sessionHooks } from '@ra/plugin-session/api';
import { FolderTransport } from './folder-transport.js';

/** `example.folder`: one InvitationTransport, and a hook tap that logs its deliveries. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(InvitationTransport).to(FolderTransport);
  }),
  activate(ctx) {
    // Taps are removed when the plugin deactivates; keep the returned Disposable only to stop earlier.
    sessionHooks(ctx.hooks).invitationSent.tap((receipt) => {
      if (receipt.transport === 'folder') ctx.logger.info(`invitation ${receipt.invitationId} copied to ${receipt.target}`);
    });
  },
});
