import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Where the messenger server is, and how this client knows it is the real one. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  /** One of the IP addresses `host` resolves to, to connect to (the name still goes in TLS and messages). */
  readonly address?: string;
}

/** The nodes of one messenger a client may list; a longer list is a mistake. */
export const MAX_NODES = 8;

/** The port `ra messenger serve` listens on unless told otherwise. */
export const DEFAULT_PORT = 8443;

/** `msg.example.org:8443`, `[2001:db8::1]:8443`, or a bare host for the default port. */
export function parseServer(text: string): ServerAddress {
  const trimmed = text.trim();
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@[\]]+))(?::(\d{1,5}))?$/.exec(trimmed);
  const port = match?.[3] === undefined ? DEFAULT_PORT : Number(match[3]);
  if (!match || port < 1 || port > 65535) throw new Error(`'${text}' is not a messenger server: give its host and port, like msg.example.org:${DEFAULT_PORT}`);
  return { host: (match[1] ?? match[2]).toLowerCase(), port };
}

export function formatServer({ host, port }: ServerAddress): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function sameServer(a: ServerAddress, b: ServerAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * The nodes of one messenger: `a.example.org:8443, b.example.org:8443` (any of them serves; a name may
 * also resolve to several addresses). Each entry is checked; the message names the one that is wrong.
 */
export function parseServers(text: string): ServerAddress[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e);
  if (!entries.length) throw new Error('no messenger server is given: give its host and port, like msg.example.org:8443');
  if (entries.length > MAX_NODES) throw new Error(`${entries.length} messenger servers are listed; at most ${MAX_NODES} nodes of one messenger may be`);
  const servers: ServerAddress[] = [];
  for (const entry of entries) {
    const server = parseServer(entry);
    if (!servers.some((s) => sameServer(s, server))) servers.push(server);
  }
  return servers;
}

export function formatServers(servers: readonly ServerAddress[]): string {
  return servers.map(formatServer).join(', ');
}

/** A host's IP addresses, as the system resolves it (DNS, /etc/hosts); an address is its own. */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveHost: Resolve = async (host) => (isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address));

/**
 * Every node of `servers` at each address its name resolves to, so a name for several nodes is tried at
 * each; a name with one address, or none just now, stays as it is (connecting to it says why it fails).
 */
export async function resolveNodes(servers: readonly ServerAddress[], resolve: Resolve): Promise<ServerAddress[]> {
  const all: ServerAddress[] = [];
  for (const server of servers) {
    const addresses = [...new Set(await resolve(server.host).catch(() => [] as string[]))];
    if (addresses.length <= 1) all.push(server);
    else for (const address of addresses) all.push({ ...server, address });
  }
  return all;
}

/** `nodes` from a random one on, so that clients spread over the nodes. */
export function fromRandom<T>(nodes: readonly T[], random: () => number): T[] {
  const start = Math.floor(random() * nodes.length);
  return [...nodes.slice(start), ...nodes.slice(0, start)];
}

/** `msg.example.org:8443`, or `msg.example.org:8443 (192.0.2.7)` when the name was resolved to pick one of its addresses. */
export function describeNode(node: ServerAddress): string {
  return node.address ? `${formatServer(node)} (${node.address})` : formatServer(node);
}

/**
 * A SHA-256 certificate fingerprint as `openssl x509 -fingerprint -sha256` and the server print it
 * (`AA:BB:…`, 32 bytes); colons, case and a `sha256:` prefix are forgiven.
 */
export function normaliseFingerprint(text: string): string {
  const hex = text
    .trim()
    .replace(/^sha-?256[:=\s]*/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error(`'${text}' is not a certificate fingerprint: give the 64 hex digits the server printed (AA:BB:…)`);
  return hex.match(/../g)!.join(':');
}
