import type { Logger } from '@ra/kernel';
import type { RouteClosed, RouteOpened } from '@ra/plugin-session/api';
import type { PortMapping, PortMapper } from './port-mapper.js';

const LOOPBACK = /^(127\.|\[::1\]:|localhost:)/;

interface Entry {
  users: number;
  readonly mapping: Promise<PortMapping | undefined>;
}

/**
 * One router mapping per open port of the direct route, shared by every invitation open on it and removed
 * when the last closes. A mapping that fails is logged and leaves the addresses as they were: the other
 * paths (the LAN addresses, simultaneous open, the relay) still reach the novice.
 */
export class RouteMappings {
  private readonly ports = new Map<number, Entry>();

  constructor(
    private readonly mapper: Pick<PortMapper, 'map'>,
    private readonly log: Logger,
  ) {}

  async opened(opened: RouteOpened): Promise<RouteOpened | undefined> {
    if (opened.route !== 'direct') return undefined;
    // Listening on loopback only (listenHost 127.0.0.1): a router can forward nothing to it.
    if (opened.addresses.every((a) => LOOPBACK.test(a))) return undefined;
    let entry = this.ports.get(opened.port);
    if (!entry) {
      entry = { users: 0, mapping: this.request(opened.port) };
      this.ports.set(opened.port, entry);
    }
    entry.users++;
    const mapping = await entry.mapping;
    if (!mapping || opened.addresses.includes(mapping.external)) return undefined;
    return { ...opened, addresses: [...opened.addresses, mapping.external] };
  }

  async closed(closed: RouteClosed): Promise<void> {
    const entry = closed.route === 'direct' ? this.ports.get(closed.port) : undefined;
    if (!entry || --entry.users > 0) return;
    this.ports.delete(closed.port);
    await (await entry.mapping)?.release();
  }

  /** Removes every mapping: the plugin stops, or RA exits. */
  async releaseAll(): Promise<void> {
    const entries = [...this.ports.values()];
    this.ports.clear();
    await Promise.all(entries.map(async (e) => (await e.mapping)?.release()));
  }

  private request(port: number): Promise<PortMapping | undefined> {
    return this.mapper.map(port).catch((e: Error) => {
      this.log.warn(`could not ask the router to open port ${port} for helpers outside this network (${e.message}); the invitation goes on without it`);
      return undefined;
    });
  }
}
