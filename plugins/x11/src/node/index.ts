import { ContainerModule } from '@ra/kernel/inversify';
import { definePlugin } from '@ra/kernel';
import { CaptureSource } from '@ra/plugin-screen/api';
import { InputSink } from '@ra/plugin-control/api';
import { PluginContext } from '@ra/kernel/node';
import { X11CaptureSource } from './x11-capture-source.js';
import { X11InputSink } from './x11-input-sink.js';

/** `ra.x11`: captures an X11 desktop (DAMAGE, MIT-SHM, XFIXES cursor, RandR) and drives its keyboard and mouse (XTEST). */
export default definePlugin({
  module: new ContainerModule(({ bind }) => {
    bind(CaptureSource)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        const source = new X11CaptureSource({ sharedMemory: ctx.settings.sharedMemory !== false, logger: ctx.logger });
        // Streams still running when the plugin is deactivated are stopped with it.
        ctx.subscriptions.add(source);
        return source;
      })
      .inSingletonScope();
    bind(InputSink)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        // Targets and Escape watches still open when the plugin is deactivated let go with it.
        return ctx.subscriptions.add(new X11InputSink(ctx.logger));
      })
      .inSingletonScope();
  }),
});
