import type { Socket } from 'node:net';
import { connect, createSecureContext, TLSSocket } from 'node:tls';
import { keyFingerprint } from '../invitation/identity.js';

/** Both ends feed this into the password proof, binding it to this very TLS connection. */
const EXPORTER_LABEL = 'EXPORTER-ra-session-pake';

export function channelBinding(socket: TLSSocket): Uint8Array {
  return new Uint8Array(socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0)));
}

/** The novice's side: TLS 1.3 over an accepted socket, with the machine's long-term key. */
export function acceptTls(raw: Socket, keyPem: string, certPem: string, timeoutMs: number): Promise<TLSSocket> {
  const socket = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext({ key: keyPem, cert: certPem, minVersion: 'TLSv1.3' }) });
  return settle(socket, 'secure', timeoutMs, 'TLS handshake');
}

export class PinMismatchError extends Error {
  override readonly name = 'PinMismatchError';
}

/**
 * The helper's side: TLS to `host:port`, accepting only the key the invitation pins. The
 * certificate is self-signed, so the pin is the whole check; nothing is sent before it passes.
 */
export async function connectPinned(host: string, port: number, fingerprint: string, timeoutMs: number): Promise<TLSSocket> {
  const socket = connect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  await settle(socket, 'secureConnect', timeoutMs, `connection to ${host}:${port}`);
  const presented = keyFingerprint(socket.getPeerX509Certificate()!.publicKey.export({ type: 'spki', format: 'der' }));
  if (presented !== fingerprint.toLowerCase()) {
    socket.destroy();
    throw new PinMismatchError(
      `the computer at ${host}:${port} is not the one that made this invitation: its key ${presented.slice(0, 16)}… does not match the pinned ${fingerprint.slice(0, 16)}…; someone may be intercepting the connection, so nothing was sent`,
    );
  }
  return socket;
}

function settle(socket: TLSSocket, event: 'secure' | 'secureConnect', timeoutMs: number, what: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`${what} failed: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    socket.once('error', (e: Error & { code?: string }) => fail(e.code === 'ECONNREFUSED' ? 'nothing is listening there' : e.message));
    socket.once('close', () => fail('the connection closed'));
    socket.once(event, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      resolve(socket);
    });
  });
}
