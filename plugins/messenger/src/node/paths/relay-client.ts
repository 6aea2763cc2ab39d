import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { RELAY_PATH } from '../../common/protocol.js';
import { step } from './step.js';
import { pinning, refusedCertificate, RelayTrustError, type Pinning, type RelayTrust } from './trust.js';
import { WebSocketStream } from './ws-stream.js';

/** Where a session's relay is and the one-time token for this side (from `session.start`). */
export interface RelayTarget {
  readonly host: string;
  /** One of `host`'s addresses, to reach that very node (the name still goes in TLS); by default `host` is looked up. */
  readonly address?: string;
  /** The raw TLS relay's port; absent: only the WebSocket relay is known (a node's own, at its messenger port). */
  readonly tcpPort?: number;
  readonly wsPort: number;
  readonly token: string;
  /** Pins the server's certificate: its SHA-256 fingerprint, or a CA. */
  readonly trust: RelayTrust;
}

export interface RelayPath {
  /** The bytes to and from the other side, from just after pairing. */
  readonly stream: Duplex;
  /** Where the relay sees the other side's relay connection from, `ip:port`: the target for `punch`. */
  readonly peerSeenAt: string;
  /** This side's relay connection's local port, bound so that `punch` may reuse it. */
  readonly localPort: number;
  readonly via: 'tcp' | 'websocket';
}

export interface RelayOptions {
  /** For the whole: connecting, and waiting for the other side. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Only this way (a bench, a proxy that allows only 443); by default raw TLS, then the WebSocket relay. */
  readonly via?: 'tcp' | 'websocket';
  /**
   * A connection to the relay (TLS up, either way) must stand within this, else `RelayUnreachableError`:
   * another node is worth trying rather than waiting out `timeoutMs`. Raw TLS gets half of it.
   */
  readonly reachMs?: number;
}

/** The relay refused this side (the token is wrong, used or expired, a cap, nobody came): the server's words. */
export class RelayRefusedError extends Error {
  override readonly name = 'RelayRefusedError';
}

/** No connection to the relay could be made at all (its name not found, refused, no answer): nothing was sent. */
export class RelayUnreachableError extends Error {
  override readonly name = 'RelayUnreachableError';
}

/** Raw TLS gets this long to connect before the WebSocket relay is tried. */
export const RAW_CONNECT_MS = 3_000;
/** The relay's answer line, `PAIRED ip:port` or `ERROR reason`, is shorter than this. */
const MAX_ANSWER = 1024;
const SEEN_AT = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/;
const NOT_AN_ANSWER = 'the relay answered with something that is not a relay answer';

interface Local {
  readonly localAddress: string;
  readonly family: number;
}

/**
 * Opens this side's relay connection and waits until the other side is paired with it: raw TLS first,
 * the WebSocket relay when raw TLS does not connect within `RAW_CONNECT_MS`. The token is sent only
 * after the server's certificate passed the pin. `RelayUnreachableError` when neither way connects.
 */
export async function openRelay(target: RelayTarget, options: RelayOptions): Promise<RelayPath> {
  checkTarget(target, options.via);
  const trust = pinning(target.trust, target.host);
  const { signal } = options;
  const deadline = Date.now() + options.timeoutMs;
  const left = () => deadline - Date.now();
  const reachBy = Math.min(deadline, Date.now() + (options.reachMs ?? Infinity));
  const reachLeft = () => reachBy - Date.now();
  const { address, family } = await step<{ address: string; family: number }>(
    reachLeft(),
    `the messenger server ${target.host} was not found in time`,
    signal,
    (resolve, reject) => {
      const found = (a: { address: string; family: number }) => resolve(a);
      const notFound = (e: Error) => reject(new RelayUnreachableError(`the messenger server ${target.host} was not found: ${e.message}`));
      if (target.address) found({ address: target.address, family: isIP(target.address) });
      else lookup(target.host).then(found, notFound);
      return () => undefined;
    },
  ).catch((e: Error) => {
    throw e.name === 'AbortError' || e instanceof RelayUnreachableError ? e : new RelayUnreachableError(e.message);
  });
  // Bound explicitly, so the port is reusable (libuv sets SO_REUSEADDR on bind): `punch` starts from it.
  const local: Local = { localAddress: family === 6 ? '::' : '0.0.0.0', family };
  let rawFailure: Error | undefined;
  if (options.via !== 'websocket' && target.tcpPort !== undefined) {
    let socket: TLSSocket | undefined;
    const rawMs = Math.min(RAW_CONNECT_MS, options.reachMs === undefined ? left() : reachLeft() / 2);
    try {
      socket = await connectRaw(target, target.tcpPort, address, local, trust, rawMs, signal);
    } catch (e) {
      if (e instanceof RelayTrustError || signal?.aborted) throw relayError(target, 'tcp', e as Error);
      if (options.via === 'tcp') throw new RelayUnreachableError(relayError(target, 'tcp', e as Error).message);
      rawFailure = e as Error;
    }
    if (socket) return pairRaw(socket, target, left(), signal);
  }
  try {
    return await openWebSocket(target, local, trust, { reachMs: reachLeft(), ms: left() }, signal);
  } catch (e) {
    if (!(e instanceof WebSocketUnreachable) || signal?.aborted) throw relayError(target, 'websocket', e as Error);
    const ws = `WebSocket on port ${target.wsPort}: ${reason(e.cause as Error)}`;
    throw new RelayUnreachableError(
      `the relay at ${target.host} cannot be reached: ${rawFailure ? `raw TLS on port ${target.tcpPort}: ${reason(rawFailure)}; ${ws}` : ws}`,
    );
  }
}

function connectRaw(target: RelayTarget, port: number, address: string, local: Local, trust: Pinning, ms: number, signal?: AbortSignal): Promise<TLSSocket> {
  return step(ms, `no answer within ${Math.round(ms / 1000)} s`, signal, (resolve, reject) => {
    // tls.connect hands the socket options (bind, family, half-open) to net; its type does not list them.
    const options: ConnectionOptions & Local & { localPort: number; allowHalfOpen: boolean } = {
      host: address,
      port,
      ...local,
      localPort: 0,
      allowHalfOpen: true,
      ...trust.options,
    };
    const socket = connect(options);
    const closed = () => reject(new Error('the connection closed during the TLS handshake'));
    const failed = (e: Error) => reject(refusedCertificate(e, target.host) ?? e);
    socket.once('error', failed).once('end', closed).once('close', closed);
    socket.once('secureConnect', () => {
      try {
        trust.check(socket);
      } catch (e) {
        return reject(e as Error);
      }
      socket.off('error', failed).off('end', closed).off('close', closed);
      // As the WebSocket relay does: a session's small writes (input, pings) must not wait for Nagle.
      socket.setNoDelay(true);
      resolve(socket);
    });
    return () => socket.destroy();
  });
}

async function pairRaw(socket: TLSSocket, target: RelayTarget, ms: number, signal?: AbortSignal): Promise<RelayPath> {
  socket.write(`RELAY1 ${target.token}\n`);
  try {
    const peerSeenAt = await step<string>(ms, 'the other side did not come in time', signal, (resolve, reject) => readAnswer(socket, resolve, reject));
    return { stream: socket, peerSeenAt, localPort: socket.localPort!, via: 'tcp' };
  } catch (e) {
    socket.destroy();
    throw relayError(target, 'tcp', e as Error);
  }
}

/** Reads `PAIRED ip:port` or `ERROR reason`, leaving whatever follows the line in the socket for its reader. */
function readAnswer(socket: TLSSocket, resolve: (peer: string) => void, reject: (e: Error) => void): () => void {
  let line = Buffer.alloc(0);
  const stop = () => void socket.off('readable', readable).off('error', reject).off('end', closed).off('close', closed);
  const closed = () => reject(new Error('the relay closed the connection before the other side came'));
  const readable = () => {
    for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
      line = Buffer.concat([line, chunk]);
      const end = line.indexOf(10);
      if (end < 0) {
        if (line.length > MAX_ANSWER) return reject(new Error(NOT_AN_ANSWER));
        continue;
      }
      stop();
      const rest = line.subarray(end + 1);
      if (rest.length) socket.unshift(rest);
      return answered(line.subarray(0, end).toString('utf8'), resolve, reject);
    }
  };
  // Half-open: the relay's end of the stream comes as 'end', the socket stays open for writing.
  socket.on('readable', readable).once('error', reject).once('end', closed).once('close', closed);
  return stop;
}

function answered(line: string, resolve: (peer: string) => void, reject: (e: Error) => void): void {
  const paired = /^PAIRED (\S+)$/.exec(line);
  const error = /^ERROR (.*)$/.exec(line);
  if (paired && SEEN_AT.test(paired[1])) resolve(paired[1]);
  else reject(error ? new RelayRefusedError(error[1]) : new Error(NOT_AN_ANSWER));
}

/** The WebSocket relay was never reached (no connection, no upgrade): `cause` says why. */
class WebSocketUnreachable extends Error {}

function openWebSocket(
  target: RelayTarget,
  local: Local,
  trust: Pinning,
  { reachMs, ms }: { reachMs: number; ms: number },
  signal?: AbortSignal,
): Promise<RelayPath> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return step<RelayPath>(ms, 'the other side did not come in time', signal, (resolve, reject) => {
    const ws = new WebSocket(`wss://${host}:${target.wsPort}${RELAY_PATH}`, {
      ...trust.options,
      ...local,
      // The relay node itself, when its name has several addresses; `host` stays the name TLS and the URL carry.
      ...(target.address ? { lookup: fixedLookup(target.address) } : {}),
      perMessageDeflate: false,
      maxPayload: 4 * 1024 * 1024,
    });
    let reached = false;
    const unreached = setTimeout(() => fail(new Error(`no answer within ${Math.round(reachMs / 100) / 10} s`)), Math.max(0, reachMs));
    const fail = (e: Error) => {
      const untrusted = e instanceof RelayTrustError ? e : refusedCertificate(e, target.host);
      reject(untrusted ?? (reached ? e : new WebSocketUnreachable(e.message, { cause: e })));
    };
    ws.once('upgrade', () => {
      reached = true;
      clearTimeout(unreached);
    });
    pairWebSocket(ws, target.token, trust, resolve, fail);
    return () => {
      clearTimeout(unreached);
      ws.terminate();
    };
  });
}

/** A `lookup` for net that answers `address` whatever the name: one node of several behind it. */
function fixedLookup(address: string) {
  const family = isIP(address);
  return (_host: string, options: { all?: boolean }, done: (e: null, a: string | { address: string; family: number }[], f?: number) => void) =>
    options.all ? done(null, [{ address, family }]) : done(null, address, family);
}

function pairWebSocket(ws: WebSocket, token: string, trust: Pinning, resolve: (path: RelayPath) => void, reject: (e: Error) => void): void {
  let localPort = 0;
  ws.once('upgrade', (response) => {
    const socket = response.socket as TLSSocket;
    localPort = socket.localPort ?? 0;
    try {
      trust.check(socket);
    } catch (e) {
      reject(e as Error);
    }
  });
  ws.once('open', () => ws.send(token));
  const closed = (code: number, why: Buffer) => reject(new Error(`the relay closed the connection (${why.toString() || `code ${code}`})`));
  ws.once('close', closed).once('error', reject);
  ws.once('message', (data: Buffer, binary: boolean) => {
    ws.off('close', closed).off('error', reject);
    const reply = binary ? undefined : parse(data.toString('utf8'));
    // The stream takes the socket at once: the other side's first frame may follow in the same read.
    if (typeof reply?.paired === 'string' && SEEN_AT.test(reply.paired))
      resolve({ stream: new WebSocketStream(ws), peerSeenAt: reply.paired, localPort, via: 'websocket' });
    else reject(typeof reply?.error === 'string' ? new RelayRefusedError(reply.error) : new Error(NOT_AN_ANSWER));
  });
}

function parse(text: string): { paired?: unknown; error?: unknown } | undefined {
  try {
    return JSON.parse(text) as { paired?: unknown; error?: unknown };
  } catch {
    return undefined;
  }
}

/** The relay's own words as they are; anything else with the port it happened on. */
function relayError(target: RelayTarget, via: 'tcp' | 'websocket', failure: Error): Error {
  const e = failure instanceof WebSocketUnreachable ? (failure.cause as Error) : failure;
  if (e instanceof RelayRefusedError || e instanceof RelayTrustError || e.name === 'AbortError') return e;
  const port = via === 'tcp' ? `raw TLS port ${target.tcpPort}` : `WebSocket port ${target.wsPort}`;
  return new Error(`the relay at ${target.host} (${port}) failed: ${reason(e)}`);
}

function reason(e: Error): string {
  return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'nothing is listening there' : e.message;
}

function checkTarget(target: RelayTarget, via: RelayOptions['via']): void {
  if (!target.host) throw new Error('the relay target names no host');
  if (target.address !== undefined && !isIP(target.address)) throw new Error(`the relay target's address ${target.address} is not an IP address`);
  if (target.tcpPort === undefined && via === 'tcp') throw new Error('the relay target names no raw TLS port, and only raw TLS was asked for');
  for (const [name, port] of [
    ['tcpPort', target.tcpPort ?? 1],
    ['wsPort', target.wsPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`the relay target's ${name} ${String(port)} is not a port`);
  }
  if (!/^[A-Za-z0-9_-]{1,56}$/.test(target.token)) throw new Error('the relay token is not one the messenger server gives (base64url)');
}
