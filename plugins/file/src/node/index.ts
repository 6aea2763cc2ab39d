import { ContainerModule } from '@ra/kernel/inversify';
import { definePlugin } from '@ra/kernel';
import { InvitationTransport } from '@ra/plugin-session/api';
import { PluginContext } from '@ra/kernel/node';
import { FileTransport } from './file-transport.js';

/** `ra.file`: saves invitations as files and opens them again. */
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    bind(InvitationTransport).toDynamicValue((c) => {
      const { defaultFolder } = c.get<PluginContext>(PluginContext).settings;
      return new FileTransport(typeof defaultFolder === 'string' ? defaultFolder : undefined);
    });
  }),
});
