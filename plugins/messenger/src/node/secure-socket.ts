import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { describeNode, formatServer, type ServerAddress } from './server-address.js';

/** How the client knows the server is the real one: its certificate's fingerprint, a CA, or both. */
export interface Trust {
  /** `AA:BB:…`, the SHA-256 of the DER certificate. */
  readonly fingerprint?: string;
  /** A CA certificate (PEM) the server's certificate must chain to, for its host name. */
  readonly ca?: string;
  /** Where the CA came from, for messages. */
  readonly caFile?: string;
}

/** The server is not the one the user was told about: never retried by itself, never sent anything. */
export class TrustError extends Error {
  override readonly name = 'TrustError';
}

/** The server cannot be reached, or the connection to it failed: worth trying again later. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/**
 * TLS to the messenger server, checked before a byte is written: a self-signed server certificate
 * fails the chain check before Node would call `checkServerIdentity`, so the fingerprint is compared
 * here, once the handshake is done and before the socket is handed to the WebSocket.
 */
export async function connectServer(server: ServerAddress, trust: Trust, timeoutMs: number): Promise<TLSSocket> {
  const socket = connect({
    host: server.address ?? server.host,
    port: server.port,
    servername: isIP(server.host) ? undefined : server.host,
    ca: trust.ca,
    rejectUnauthorized: trust.ca !== undefined,
    ALPNProtocols: ['http/1.1'],
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      socket.once('secureConnect', resolve).once('error', reject);
      socket.once('close', () => reject(new Error('it closed the connection during the TLS handshake')));
    });
  } catch (e) {
    socket.destroy();
    throw describeFailure(server, trust, e as NodeJS.ErrnoException);
  } finally {
    clearTimeout(timer);
  }
  const presented = socket.getPeerX509Certificate()?.fingerprint256;
  if (trust.fingerprint && presented !== trust.fingerprint) {
    socket.destroy();
    throw new TrustError(
      `the server's certificate does not match the fingerprint you were given: ${formatServer(server)} presented ${presented?.slice(0, 23) ?? 'none'}…, ` +
        `not ${trust.fingerprint.slice(0, 23)}…; someone may be intercepting the connection, so nothing was sent`,
    );
  }
  return socket;
}

const WHY: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'its name cannot be looked up now',
  EHOSTUNREACH: 'no route to it',
  ENETUNREACH: 'no route to it',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was reset',
};

/** A certificate refused against the CA is a trust fault; everything else is the network's. */
function describeFailure(server: ServerAddress, trust: Trust, e: NodeJS.ErrnoException): Error {
  const code = e.code ?? '';
  if (trust.ca && (/CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID'))
    return new TrustError(`the certificate of ${formatServer(server)} is not trusted by ${trust.caFile ?? 'the CA file you gave'}: ${e.message}`);
  return new NetworkError(`cannot reach ${describeNode(server)}: ${WHY[code] ?? e.message}`, { cause: e });
}
