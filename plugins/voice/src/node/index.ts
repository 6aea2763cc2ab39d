import { ApiRoute, definePlugin } from '@ra/kernel';
import { ContainerModule } from '@ra/kernel/inversify';
import { PluginContext } from '@ra/kernel/node';
import { SessionChannel } from '@ra/plugin-session/api';
import { encoding, type Profile } from '../common/messages.js';
import { VoiceChannel } from './voice-channel.js';

/** `ra.voice`: Start Talking in both consoles, with the other side's Yes; audio rides the session as a media channel. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(VoiceChannel).toDynamicValue((c) => {
      const ctx = c.get<PluginContext>(PluginContext);
      return new VoiceChannel({
        logger: ctx.logger,
        unavailable: () => ctx.withheld('microphone') ?? (ctx.settings.enabled === false ? 'the setting "Allow talking" is off' : undefined),
        encoding: () => encoding(ctx.settings.profile as Profile, Number(ctx.settings.bitrate), ctx.settings.processing !== false),
      });
    });
    bind(SessionChannel).toDynamicValue((c) => c.get(VoiceChannel));
    bind(ApiRoute).toDynamicValue((c) => c.get(VoiceChannel).routes[0]);
  }),
  activate(ctx) {
    const channel = ctx.get(VoiceChannel);
    // Sessions outlive this plugin; its talks must not: disabling it ends them, and the peers hear.
    ctx.subscriptions.add(channel);
    ctx.onDidChangeSettings(() => channel.changed());
  },
});
