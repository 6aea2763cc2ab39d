import { ContainerModule } from '@ra/kernel/inversify';
import { CaptureSource, definePlugin } from '@ra/kernel';
import { PluginContext } from '@ra/kernel/node';
import { X11CaptureSource } from './x11-capture-source.js';

/** `ra.x11`: captures an X11 desktop with DAMAGE, MIT-SHM, the XFIXES cursor and RandR. */
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
  }),
});
