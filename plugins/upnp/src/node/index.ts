import { definePlugin } from '@ra/kernel';
import type { PluginContext } from '@ra/kernel/node';
import { sessionHooks } from '@ra/plugin-session/api';
import { PortMapper } from './port-mapper.js';
import { RouteMappings } from './route-mappings.js';

/**
 * `ra.upnp`: with the `portMapping` setting on, asks the router to forward the direct route's port while
 * an invitation is open (as XP's Remote Assistance opened 3389 through UPnP), and adds the router's public
 * address to the invitation's addresses.
 */
export default definePlugin<PluginContext>({
  activate(ctx) {
    if (ctx.settings.portMapping !== true) return;
    const mappings = new RouteMappings(new PortMapper(ctx.logger), ctx.logger);
    const hooks = sessionHooks(ctx.hooks);
    ctx.subscriptions.add(hooks.routeOpened.tap((opened) => mappings.opened(opened)));
    ctx.subscriptions.add(hooks.routeClosed.tap((closed) => mappings.closed(closed)));
    // Deactivation (settings changed, plugin off, RA stopping) removes what is still mapped.
    ctx.subscriptions.add({ dispose: () => mappings.releaseAll() });
  },
});
