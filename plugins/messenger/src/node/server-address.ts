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
