import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { checkServerIdentity, connect, createSecureContext, createServer, type SecureContext, type TLSSocket } from 'node:tls';
import { within } from '@ra/kernel/node';
import type { OfferTls } from '../api.js';
import { keyFingerprint } from '../invitation/identity.js';
import { FrameKind, FrameReader } from './framing.js';

/** Both ends feed this into the password proof, binding it to this very TLS connection. */
const EXPORTER_LABEL = 'EXPORTER-ra-session-pake';

export function channelBinding(socket: TLSSocket): Uint8Array {
  return new Uint8Array(socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0)));
}

/** The TLS server name a helper who offers asks for: the novice then shows its organisation's certificate, not its invitation key. */
export const OFFER_SERVER_NAME = 'offer.ra.invalid';

/** Offers are bound to their connection by this exporter, as invitations are by the password proof. */
const OFFER_EXPORTER_LABEL = 'EXPORTER-ra-session-offer';

export function offerKey(socket: TLSSocket): Uint8Array {
  return new Uint8Array(socket.exportKeyingMaterial(32, OFFER_EXPORTER_LABEL, Buffer.alloc(0)));
}

/** One context per OfferTls the authority gives: an unchanged set of files is parsed once, not per offer. OpenSSL checks dates at each handshake. */
const offerContexts = new WeakMap<OfferTls, SecureContext>();

function offerContext(t: OfferTls): SecureContext {
  let context = offerContexts.get(t);
  if (!context) offerContexts.set(t, (context = createSecureContext({ key: t.keyPem, cert: t.certPem, ca: t.caPem, crl: t.crlPem, minVersion: 'TLSv1.3' })));
  return context;
}

export interface Accepted {
  readonly socket: TLSSocket;
  /** Set when the helper asked for the offer's TLS; `refused` says why this computer could not take it. */
  readonly offer?: { readonly refused?: string };
}

/**
 * The novice's side: TLS 1.3 over an accepted socket, with the machine's long-term key; or, for a helper who
 * offers, with the organisation's certificate, asking for theirs. OpenSSL checks it against the CA and CRL but
 * fails nothing itself, so the session can tell the helper why and log it.
 */
export async function acceptTls(raw: Duplex, keyPem: string, certPem: string, timeoutMs: number, offerTls?: () => Promise<OfferTls>): Promise<Accepted> {
  let offer: Accepted['offer'];
  const sni = (name: string, done: (error: Error | null, context?: SecureContext) => void) => {
    if (name !== OFFER_SERVER_NAME) return done(null);
    offer = { refused: 'this computer takes no offers of help' };
    if (!offerTls) return done(null);
    offerTls()
      .then(offerContext)
      .then(
        (context) => {
          offer = {};
          done(null, context);
        },
        (e: Error) => {
          // OpenSSL could not take a file (a CRL it cannot parse): this computer's problem, said to the helper and the log.
          offer = { refused: e.message.startsWith('this computer') ? e.message : `this computer's offer certificates cannot be used: ${e.message}` };
          done(null);
        },
      );
  };
  // A server of one connection: only a tls.Server tells a socket whether its peer's certificate passed.
  const server = createServer({
    key: keyPem,
    cert: certPem,
    minVersion: 'TLSv1.3',
    SNICallback: sni,
    ...(offerTls && { requestCert: true, rejectUnauthorized: false }),
  });
  const secured = new Promise<TLSSocket>((resolve, reject) => {
    server.once('secureConnection', resolve).once('tlsClientError', (e: Error) => reject(e));
    raw.once('close', () => reject(new Error('the connection closed')));
  });
  server.emit('connection', raw);
  try {
    return { socket: await within(secured, timeoutMs, `no answer within ${Math.round(timeoutMs / 1000)} s`), offer };
  } catch (e) {
    raw.destroy();
    throw new Error(`TLS handshake failed: ${(e as Error).message}`);
  }
}

/** A helper's certificate, its key, and the organisation's CA that must have issued the novice's (with its CRL, when the file has one): PEM texts. */
export interface HelperIdentity {
  readonly keyPem: string;
  readonly certPem: string;
  readonly caPem: string;
  readonly crlPem?: string;
}

/**
 * The side of a helper who offers: TLS to `address` with the helper's certificate, accepting only a novice
 * certified by the same CA, for `host` when the path is direct (a relay's path has no host of its own). Nothing
 * is sent before that passes; a novice that takes no offers says why in its first words, which are read then.
 */
export async function connectCertified(
  stream: Duplex,
  address: string,
  host: string | undefined,
  identity: HelperIdentity,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TLSSocket> {
  const { keyPem: key, certPem: cert, caPem: ca, crlPem: crl } = identity;
  // The server name only asks for the offer's certificate: the host is checked below, for a direct path.
  const socket = connect({
    socket: stream,
    servername: OFFER_SERVER_NAME,
    key,
    cert,
    ca,
    // With the CRL the file carries, a revoked computer certificate fails here too.
    ...(crl && { crl }),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    minVersion: 'TLSv1.3',
  });
  await guarded(socket, signal, () => settle(socket, 'secureConnect', timeoutMs, `connection to ${address}`));
  const peer = socket.getPeerCertificate();
  const code = String(socket.authorizationError);
  const wrong = !socket.authorized ? (NOVICE_TROUBLE[code] ?? code) : host ? checkServerIdentity(host, peer)?.message : undefined;
  if (!wrong) return socket;
  const refused = await firstRefusal(socket, Math.min(timeoutMs, 3_000));
  socket.destroy();
  // Its words, unproven: said as what it claims, beside why it is not trusted.
  if (refused)
    throw new PinMismatchError(
      `the computer at ${address} did not prove it belongs to your organisation (${wrong}), and refused the offer, saying: “${refused}”`,
    );
  throw new PinMismatchError(
    `the computer at ${address} did not prove it belongs to your organisation (${wrong}): it may take no offers, or someone may be intercepting the connection; nothing was sent`,
  );
}

/** OpenSSL's verdict on the novice's certificate, as the helper reads it. */
const NOVICE_TROUBLE: Readonly<Record<string, string>> = {
  CERT_REVOKED: 'its certificate was revoked',
  CERT_HAS_EXPIRED: 'its certificate expired',
  CRL_HAS_EXPIRED: 'the revocation list in your certificate file is out of date; ask for a new file',
  DEPTH_ZERO_SELF_SIGNED_CERT: "it showed a certificate of its own, not one from your organisation's CA",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its certificate was not issued by your organisation's CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "its certificate was not issued by your organisation's CA",
  CERT_SIGNATURE_FAILURE: "its certificate was not issued by your organisation's CA",
};

/** What an unproven novice says first, if it is a refusal: its words are shown as its words, and nothing else is read. */
async function firstRefusal(socket: TLSSocket, ms: number): Promise<string | undefined> {
  const reader = new FrameReader();
  const ends = Promise.race([once(socket, 'end'), once(socket, 'close'), new Promise((r) => setTimeout(r, ms).unref())]).then(() => undefined);
  const heard = new Promise<string | undefined>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      try {
        const [frame] = reader.push(chunk);
        if (frame?.kind === FrameKind.Control && frame.message.t === 'refused') resolve(String(frame.message.message).slice(0, 300));
        else if (frame) resolve(undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
  return Promise.race([heard, ends]);
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
  await guarded(socket, signal, () => settle(socket, 'secureConnect', timeoutMs, `connection to ${address}`));
  const presented = keyFingerprint(socket.getPeerX509Certificate()!.publicKey.export({ type: 'spki', format: 'der' }));
  if (presented !== fingerprint.toLowerCase()) {
    socket.destroy();
    throw new PinMismatchError(
      `the computer at ${address} is not the one that made this invitation: its key ${presented.slice(0, 16)}… does not match the pinned ${fingerprint.slice(0, 16)}…; someone may be intercepting the connection, so nothing was sent`,
    );
  }
  return socket;
}

/** TLS takes the stream over: closing the stream alone may leave the connection open, so an abort closes TLS. */
async function guarded<T>(socket: TLSSocket, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  const abort = () => socket.destroy();
  signal?.addEventListener('abort', abort);
  try {
    if (signal?.aborted) socket.destroy();
    return await work();
  } finally {
    signal?.removeEventListener('abort', abort);
  }
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
