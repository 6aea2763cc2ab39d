import { definePlugin } from '@ra/kernel';
import type { PluginContext } from '@ra/kernel/node';
import { PortMapper } from './port-mapper.js';
import { RouteMappings, type RouteClosed, type RouteOpened } from './route-mappings.js';

/**
 * `ra.upnp`: with the `portMapping` setting on, asks the router to forward the direct route's port while
 * an invitation is open (as XP's Remote Assistance opened 3389 through UPnP), and adds the router's public
 * address to the invitation's addresses.
 */
export default definePlugin<PluginContext>({
  activate(ctx) {
    if (ctx.settings.portMapping !== true) return;
    const mappings = new RouteMappings(new PortMapper(ctx.logger), ctx.logger);
    ctx.subscriptions.add(ctx.hooks.hook<[RouteOpened], RouteOpened>('routeOpened').tap((opened) => mappings.opened(opened)));
    ctx.subscriptions.add(ctx.hooks.hook<[RouteClosed]>('routeClosed').tap((closed) => mappings.closed(closed)));
    // Deactivation (settings changed, plugin off, RA stopping) removes what is still mapped.
    ctx.subscriptions.add({ dispose: () => mappings.releaseAll() });
  },
});
