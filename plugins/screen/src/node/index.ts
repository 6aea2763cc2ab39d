import { definePlugin, HostEnvironment } from '@ra/kernel';
import { CaptureSource, RemoteScreen } from '../common/api.js';
import { SessionChannel } from '@ra/plugin-session/api';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { RemoteScreens } from './remote-screens.js';
import { ScreenChannel } from './screen-channel.js';

/** `ra.screen`: the View Only screen stream, on the novice's side from a CaptureSource, on the helper's decoded. */
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    bind(RemoteScreens)
      .toDynamicValue((c) => new RemoteScreens(c.get<PluginContext>(PluginContext).logger))
      .inSingletonScope();
    bind(RemoteScreen).toService(RemoteScreens);
    bind(SessionChannel).toDynamicValue((c) => {
      const ctx = c.get<PluginContext>(PluginContext);
      return new ScreenChannel(
        () => ctx.contributions(CaptureSource),
        () => ctx.get(HostEnvironment).display,
        c.get(RemoteScreens),
        ctx.logger,
      );
    });
  }),
});
