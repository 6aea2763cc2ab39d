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

/** Longest route address (`scheme://…`) an invitation carries. */
export const MAX_ROUTE_ADDRESS = 255;

/**
 * A route's own address, `scheme://…` (`messenger://nora@msg.example.org:8443`): a lowercase scheme, then
 * printable ASCII without spaces, `;` (which separates an invitation's addresses) or `,` (the connection
 * string's separator).
 */
const ROUTE_ADDRESS = /^[a-z][a-z0-9+.-]*:\/\/[!-+\--:<-~]+$/;

export function isRouteAddress(text: string): boolean {
  return text.length <= MAX_ROUTE_ADDRESS && ROUTE_ADDRESS.test(text);
}

/**
 * Checks an invitation address: `host:port` (`requirePort`: as files spell it), or a route's own `scheme://…`.
 * Returns the text as invitations carry it: a host's port spelled out, a route address as it is.
 */
export function checkAddress(text: string, requirePort = false): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    if (text.length > MAX_ROUTE_ADDRESS) throw new Error(`'${clip(text)}' is longer than ${MAX_ROUTE_ADDRESS} characters`);
    if (!isRouteAddress(text)) throw new Error(`'${clip(text)}' is not a route address: a lowercase scheme://, then no spaces, ';' or ','`);
    return text;
  }
  return formatAddress(parseAddress(text, requirePort));
}

export function formatAddress({ host, port }: Address): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
