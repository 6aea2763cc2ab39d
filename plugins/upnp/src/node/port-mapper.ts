import { pmpNat, upnpNat, type Gateway } from '@achingbrain/nat-port-mapper';
import type { Logger } from '@ra/kernel';
import { defaultGateway, localAddressToward } from './network.js';

export type MappingProtocol = 'UPnP' | 'NAT-PMP';

/** A port the router forwards to this machine until `release()`. */
export interface PortMapping {
  readonly protocol: MappingProtocol;
  /** Where helpers outside reach it: `ip:port` on the router's public side. */
  readonly external: string;
  readonly internalPort: number;
  /** Removes it from the router; never throws (a router that forgot it already is fine). */
  release(): Promise<void>;
}

/** What the mapper needs from the library and the machine; specs replace them. */
export interface MapperDeps {
  readonly upnpNat: (options: { autoRefresh: boolean }) => { findGateways(options: { signal: AbortSignal }): AsyncGenerator<Gateway, void, unknown> };
  readonly pmpNat: (gatewayIp: string, options: { autoRefresh: boolean }) => Gateway;
  /** The default route's gateway, for NAT-PMP; undefined when there is none. */
  readonly defaultGateway: () => Promise<string | undefined>;
  /** This machine's address on the way to `ip`: what the router forwards to. */
  readonly localAddressToward: (ip: string) => Promise<string>;
}

export interface MapperOptions {
  /** How long to look for a UPnP gateway (SSDP answers) before trying NAT-PMP. */
  readonly discoveryMs: number;
  /** How long one request to a gateway may take. */
  readonly requestMs: number;
  /** The lease asked for; the mapping is asked again before it ends. */
  readonly leaseMs: number;
}

// Worst case, both protocols time out: 2.5 + 2.5 + 2.5 s, within the 10 s a hook tap may take.
export const DEFAULT_OPTIONS: MapperOptions = { discoveryMs: 2_500, requestMs: 2_500, leaseMs: 3_600_000 };
const DEFAULT_DEPS: MapperDeps = { upnpNat, pmpNat, defaultGateway, localAddressToward };
const DESCRIPTION = 'RA Remote Assistance: helpers reach the invitation';

/**
 * Asks the router to forward a TCP port: UPnP IGD first (SSDP discovery), NAT-PMP to the default gateway when
 * no UPnP gateway answers or it refuses. The library's own refresh is off (its NAT-PMP timer mixes seconds
 * and milliseconds); this renews each lease itself, a minute before it ends.
 */
export class PortMapper {
  constructor(
    private readonly log: Logger,
    private readonly options: MapperOptions = DEFAULT_OPTIONS,
    private readonly deps: MapperDeps = DEFAULT_DEPS,
  ) {}

  /** Maps `port`; rejects with a message naming why each protocol failed. */
  async map(port: number): Promise<PortMapping> {
    let upnpFailure: string;
    try {
      return await this.viaUpnp(port);
    } catch (e) {
      upnpFailure = (e as Error).message;
    }
    try {
      return await this.viaPmp(port);
    } catch (e) {
      throw new Error(`UPnP: ${upnpFailure}; NAT-PMP: ${(e as Error).message}`);
    }
  }

  private async viaUpnp(port: number): Promise<PortMapping> {
    const gateway = await this.findUpnpGateway();
    try {
      return await this.mapOn(gateway, 'UPnP', port, this.options.leaseMs);
    } catch (e) {
      await gateway.stop({ signal: AbortSignal.timeout(this.options.requestMs) }).catch(() => undefined);
      throw e;
    }
  }

  private async findUpnpGateway(): Promise<Gateway> {
    const search = new AbortController();
    const timer = setTimeout(() => search.abort(), this.options.discoveryMs);
    try {
      for await (const gateway of this.deps.upnpNat({ autoRefresh: false }).findGateways({ signal: search.signal })) {
        if (gateway.family === 'IPv4') return gateway;
      }
    } finally {
      clearTimeout(timer);
      search.abort();
    }
    throw new Error(`no gateway answered within ${this.options.discoveryMs} ms`);
  }

  private async viaPmp(port: number): Promise<PortMapping> {
    const router = await this.deps.defaultGateway();
    if (!router) throw new Error('no default gateway');
    const gateway = this.deps.pmpNat(router, { autoRefresh: false });
    try {
      // NAT-PMP takes the lease in seconds (RFC 6886); this library passes the number through as it is.
      return await this.mapOn(gateway, 'NAT-PMP', port, Math.round(this.options.leaseMs / 1000));
    } catch (e) {
      await gateway.stop().catch(() => undefined);
      throw e;
    }
  }

  private async mapOn(gateway: Gateway, protocol: MappingProtocol, port: number, ttl: number): Promise<PortMapping> {
    const lan = await this.deps.localAddressToward(gateway.host);
    const request = () =>
      gateway.map(port, lan, { protocol: 'tcp', description: DESCRIPTION, ttl, autoRefresh: false, signal: AbortSignal.timeout(this.options.requestMs) });
    const mapped = await request().catch((e: Error) => {
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`${gateway.host} did not answer within ${this.options.requestMs} ms`);
      throw new Error(`${gateway.host} refused to map port ${port}: ${e.message || e.name}`);
    });
    const external = `${mapped.externalHost}:${mapped.externalPort}`;
    this.log.info(`${protocol}: ${gateway.host} forwards ${external} to ${lan}:${port}`);
    const renew = setInterval(
      () => void request().catch((e: Error) => this.log.warn(`${protocol}: ${gateway.host} did not renew ${external}: ${e.message}`)),
      Math.max(this.options.leaseMs - 60_000, this.options.leaseMs / 2),
    );
    renew.unref();
    let released: Promise<void> | undefined;
    return {
      protocol,
      external,
      internalPort: port,
      release: () =>
        (released ??= (async () => {
          clearInterval(renew);
          const signal = AbortSignal.timeout(this.options.requestMs);
          try {
            await gateway.unmap(port, { signal });
            this.log.info(`${protocol}: ${gateway.host} no longer forwards ${external}`);
          } catch (e) {
            this.log.warn(`${protocol}: could not remove ${external} from ${gateway.host}: ${(e as Error).message}`);
          }
          await gateway.stop({ signal: AbortSignal.timeout(this.options.requestMs) }).catch(() => undefined);
        })()),
    };
  }
}
