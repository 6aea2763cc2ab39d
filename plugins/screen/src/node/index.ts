import { definePlugin, HostEnvironment } from '@ra/kernel';
import { CaptureSource, RemoteScreen } from '../common/api.js';
import { SessionChannel, sessionHooks } from '@ra/plugin-session/api';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { RemoteScreens } from './remote-screens.js';
import { ScreenChannel } from './screen-channel.js';
import { LanePool } from './video/lane-pool.js';

/** `ra.screen`: the View Only screen stream, on the novice's side from a CaptureSource, on the helper's decoded. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(RemoteScreens)
      .toDynamicValue((c) => new RemoteScreens(c.get<PluginContext>(PluginContext).logger))
      .inSingletonScope();
    bind(RemoteScreen).toService(RemoteScreens);
    bind(LanePool)
      .toDynamicValue(() => new LanePool())
      .inSingletonScope();
    bind(ScreenChannel)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        return new ScreenChannel(
          () => ctx.contributions(CaptureSource),
          () => ctx.get(HostEnvironment).display,
          c.get(RemoteScreens),
          ctx.logger,
          c.get(LanePool),
        );
      })
      .inSingletonScope();
    bind(SessionChannel).toService(ScreenChannel);
  }),
  activate(ctx) {
    const channel = ctx.get(ScreenChannel);
    ctx.subscriptions.add(ctx.get(LanePool));
    // Someone asks to connect: the encoder warms up while the novice decides, so the first picture does not wait for it.
    const asked = sessionHooks(ctx.hooks).consentRequested.tap(({ session, scope }) => {
      if (scope !== 'connect' || session.role !== 'novice') return;
      channel.prepare().catch((e: Error) => ctx.logger.info(`ra.screen: the video encoder could not be prepared: ${e.message}`));
    });
    ctx.subscriptions.add(asked);
  },
});
