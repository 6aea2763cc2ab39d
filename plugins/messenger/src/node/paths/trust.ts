import { isIP } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';

/** Pins the messenger server's certificate: its SHA-256 fingerprint (`AA:BB:…`, of the DER), or the PEM text of a CA. */
export interface RelayTrust {
  readonly fingerprint?: string;
  readonly ca?: string;
}

export class RelayTrustError extends Error {
  override readonly name = 'RelayTrustError';
}

/** TLS options for the server at `host`, and the check that must pass before anything is sent. */
export interface Pinning {
  readonly options: ConnectionOptions;
  check(socket: TLSSocket): void;
}

export function pinning(trust: RelayTrust, host: string): Pinning {
  if (trust.fingerprint !== undefined) {
    const pinned = normalise(trust.fingerprint);
    // The certificate is self-signed, so the pin is the whole check, made once the handshake is done.
    return {
      options: { rejectUnauthorized: false, servername: serverName(host) },
      check(socket) {
        const presented = socket.getPeerCertificate().fingerprint256 ?? '';
        if (presented.replace(/:/g, '').toLowerCase() === pinned) return;
        throw new RelayTrustError(
          `the messenger server at ${host} is not the one this RA trusts: its certificate ${presented.slice(0, 23)}… does not match the pinned ` +
            `${trust.fingerprint!.slice(0, 23)}…; someone may be intercepting the connection, so nothing was sent`,
        );
      },
    };
  }
  if (trust.ca !== undefined) {
    if (!trust.ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new RelayTrustError('the CA to trust for the messenger server must be PEM text (-----BEGIN CERTIFICATE-----)');
    // Node verifies the chain and the host name before the handshake completes.
    return { options: { ca: trust.ca, rejectUnauthorized: true, servername: serverName(host) }, check: () => undefined };
  }
  throw new RelayTrustError('the messenger server cannot be trusted: neither its certificate fingerprint nor a CA is known');
}

/** A TLS error that is the CA's verdict on the certificate (not the network's fault), as a trust error; else undefined. */
export function refusedCertificate(e: NodeJS.ErrnoException, host: string): RelayTrustError | undefined {
  if (!/CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(e.code ?? '')) return undefined;
  return new RelayTrustError(`the certificate of the messenger server at ${host} is not trusted: ${e.message}; nothing was sent`);
}

function normalise(fingerprint: string): string {
  const hex = fingerprint.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new RelayTrustError(`"${fingerprint}" is not a SHA-256 certificate fingerprint (64 hex digits, colons allowed)`);
  return hex;
}

/** SNI takes a name, never an address. */
function serverName(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}
