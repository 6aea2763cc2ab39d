import { ContainerModule } from '@ra/kernel/inversify';
import { definePlugin, HostEnvironment, PolicyService } from '@ra/kernel';
import { CaptureSource } from '@ra/plugin-screen/api';
import { InputSink } from '@ra/plugin-control/api';
import { DesktopIndicator } from '@ra/plugin-session/api';
import { PluginContext } from '@ra/kernel/node';
import { DesktopGuards } from './desktop-guard.js';
import { DEFAULT_PROTECTED_WINDOWS } from './window-rules.js';
import { X11CaptureSource } from './x11-capture-source.js';
import { X11Indicator } from './x11-indicator.js';
import { X11InputSink } from './x11-input-sink.js';

/** The `desktop` policy section: windows ops protect on every machine, and whether users may add their own. */
interface DesktopPolicy {
  readonly protectedWindows: string[];
  readonly userProtectedWindows: boolean;
}

/** `ra.x11`: captures an X11 desktop (DAMAGE, MIT-SHM, XFIXES cursor, RandR), drives its keyboard and mouse (XTEST), shows who is connected on it, and keeps protected windows from helpers. */
export default definePlugin<PluginContext>({
  module: new ContainerModule(({ bind }) => {
    bind(DesktopGuards)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        const rules = () => {
          const policy = ctx.get(PolicyService).section<DesktopPolicy>('desktop');
          const own = policy.userProtectedWindows ? ((ctx.settings.protectedWindows as string[] | undefined) ?? []) : [];
          return [...DEFAULT_PROTECTED_WINDOWS, ...policy.protectedWindows, ...own];
        };
        return ctx.subscriptions.add(new DesktopGuards(rules, ctx.logger));
      })
      .inSingletonScope();
    bind(CaptureSource)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        const guards = ctx.get(DesktopGuards);
        const source = new X11CaptureSource({ sharedMemory: ctx.settings.sharedMemory !== false, logger: ctx.logger, guards });
        // Streams still running when the plugin is deactivated are stopped with it.
        ctx.subscriptions.add(source);
        return source;
      })
      .inSingletonScope();
    bind(InputSink)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        // Targets and Escape watches still open when the plugin is deactivated let go with it.
        return ctx.subscriptions.add(new X11InputSink(ctx.logger, ctx.get(DesktopGuards)));
      })
      .inSingletonScope();
    bind(X11Indicator)
      .toDynamicValue((c) => {
        const ctx = c.get<PluginContext>(PluginContext);
        const indicator = new X11Indicator({
          display: () => ctx.get(HostEnvironment).display,
          enabled: () => ctx.settings.desktopIndicator !== false,
          guards: ctx.get(DesktopGuards),
          logger: ctx.logger,
        });
        return ctx.subscriptions.add(indicator);
      })
      .inSingletonScope();
    bind(DesktopIndicator).toDynamicValue((c) => c.get(X11Indicator));
  }),
  activate(ctx) {
    // Settings apply live: a running session keeps its screen and control.
    ctx.onDidChangeSettings(() => {
      ctx.get(DesktopGuards).rulesChanged();
      void ctx.get(X11Indicator).refresh();
    });
  },
});
