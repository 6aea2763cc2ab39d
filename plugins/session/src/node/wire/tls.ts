import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { connect, createSecureContext, TLSSocket } from 'node:tls';
import { within } from '@ra/kernel/node';
import { keyFingerprint } from '../invitation/identity.js';

/** Both ends feed this into the password proof, binding it to this very TLS connection. */
const EXPORTER_LABEL = 'EXPORTER-ra-session-pake';

export function channelBinding(socket: TLSSocket): Uint8Array {
  return new Uint8Array(socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0)));
}

/** The novice's side: TLS 1.3 over an accepted socket, with the machine's long-term key. */
export function acceptTls(raw: Duplex, keyPem: string, certPem: string, timeoutMs: number): Promise<TLSSocket> {
  const socket = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext({ key: keyPem, cert: certPem, minVersion: 'TLSv1.3' }) });
  return settle(socket, 'secure', timeoutMs, 'TLS handshake');
}

export class PinMismatchError extends Error {
  override readonly name = 'PinMismatchError';
}

/**
 * The helper's side: TLS over a route's stream to `address`, accepting only the key the invitation
 * pins. The certificate is self-signed, so the pin is the whole check; nothing is sent before it passes.
 */
export async function connectPinned(stream: Duplex, address: string, fingerprint: string, timeoutMs: number, signal?: AbortSignal): Promise<TLSSocket> {
  const socket = connect({ socket: stream, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  // TLS takes the stream over: closing the stream alone may leave the connection open, so an abort closes TLS.
  const abort = () => socket.destroy();
  signal?.addEventListener('abort', abort);
  try {
    if (signal?.aborted) socket.destroy();
    await settle(socket, 'secureConnect', timeoutMs, `connection to ${address}`);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  const presented = keyFingerprint(socket.getPeerX509Certificate()!.publicKey.export({ type: 'spki', format: 'der' }));
  if (presented !== fingerprint.toLowerCase()) {
    socket.destroy();
    throw new PinMismatchError(
      `the computer at ${address} is not the one that made this invitation: its key ${presented.slice(0, 16)}… does not match the pinned ${fingerprint.slice(0, 16)}…; someone may be intercepting the connection, so nothing was sent`,
    );
  }
  return socket;
}

/** Waits for the handshake; a refusal, a reset, a close or the timeout each fail it with the reason. */
async function settle(socket: TLSSocket, event: 'secure' | 'secureConnect', timeoutMs: number, what: string): Promise<TLSSocket> {
  const closed = once(socket, 'close').then(() => Promise.reject(new Error('the connection closed')));
  try {
    await within(Promise.race([once(socket, event), closed]), timeoutMs, `no answer within ${Math.round(timeoutMs / 1000)} s`);
    return socket;
  } catch (e) {
    socket.destroy();
    const why = (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'nothing is listening there' : (e as Error).message;
    throw new Error(`${what} failed: ${why}`);
  } finally {
    closed.catch(() => undefined);
  }
}
