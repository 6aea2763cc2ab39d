import { isIPv4, isIPv6 } from 'node:net';
import { clip } from './error.js';

/** Remote Assistance's port, as in Windows invitations. */
export const DEFAULT_PORT = 3389;

export interface Address {
  readonly host: string;
  readonly port: number;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PORT = /^[1-9]\d{0,4}$/;

/**
 * Parses `host`, `host:port`, `[ipv6]` or `[ipv6]:port`; the port defaults to 3389. Hosts are IPv4,
 * IPv6 or DNS names, so none holds the `,` `;` or spaces the connection string uses as separators.
 * `requirePort` is for invitation files, which always spell the port out.
 */
export function parseAddress(text: string, requirePort = false): Address {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::([^:]*))?$/.exec(text);
  if (!match) throw new Error(`'${clip(text)}' is not host:port`);
  const [, v6, name, portText] = match;
  const host = v6 ?? name!;
  if (v6 !== undefined ? !isIPv6(v6) || v6.includes('%') : !isIPv4(host) && !DNS_NAME.test(host)) {
    throw new Error(`'${clip(host)}' is not an IP address or host name`);
  }
  if (portText === undefined && requirePort) throw new Error(`'${clip(text)}' has no port`);
  const port = portText === undefined ? DEFAULT_PORT : PORT.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) throw new Error(`'${clip(portText ?? '')}' is not a port number`);
  return { host, port };
}

export function formatAddress({ host, port }: Address): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
