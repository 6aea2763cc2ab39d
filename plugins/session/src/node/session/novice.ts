import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '@ra/kernel';
import {
  cleanName,
  MAX_PASSWORD_ATTEMPTS,
  type Certified,
  type InvitationRecord,
  type PathKind,
  type HelperRefused,
  type SessionHooks,
  type SolicitedPolicy,
} from '../../common/api.js';
import { Spake2Error } from '../pake/error.js';
import type { OfferAuthority } from '../api.js';
import { commonName } from './identity-bundle.js';
import { acceptTls, channelBinding, offerKey, type Accepted } from '../wire/tls.js';
import { ProtocolError } from '../wire/framing.js';
import { Wire, type WireTiming } from '../wire/wire.js';
import { bytes, CONSENT_MS, HANDSHAKE_MS, PROTOCOL_VERSION, text } from './messages.js';
import type { SessionRegistry } from './registry.js';
import { checkProof, resumeKeys, resumeProof } from './resume.js';
import type { Session } from './session.js';
import type { HandshakeSlots } from './slots.js';
import { ago, type SessionPath } from '../../common/views.js';

/** What the novice's side needs to know about its invitations. */
export interface InvitationDesk {
  get(invitationId: string): Promise<InvitationRecord | undefined>;
  /** The password scalar `w` the invitation was made with. */
  scalar(invitationId: string): Promise<bigint>;
  recordFailedAttempt(invitationId: string): Promise<InvitationRecord>;
}

export interface NoviceDeps {
  readonly identity: { readonly keyPem: string; readonly certPem: string };
  readonly desk: InvitationDesk;
  readonly registry: SessionRegistry;
  readonly hooks: SessionHooks;
  readonly logger: Logger;
  /** Handshakes under way now, shared fairly between source addresses across every route. */
  readonly slots: HandshakeSlots;
  /** From connecting to a proven password; HANDSHAKE_MS unless a spec shortens it. */
  readonly handshakeMs?: number;
  /** How long the novice has to answer; CONSENT_MS unless a spec shortens it. */
  readonly consentMs?: number;
  readonly timing?: WireTiming;
  policy(): SolicitedPolicy;
  /** The kinds of path the `network` policy allows now; both unless said. */
  kinds?(): readonly PathKind[];
  /** What vouches for helpers who offer help unasked; without it, offers are refused. */
  readonly offers?: Pick<OfferAuthority, 'noviceTls' | 'admit'>;
  /** The novice's name as a helper who offers sees it (an invitation carries its own). */
  noviceName(): string;
}

/** Refused: the helper hears `message` and the connection closes. */
class Refusal extends Error {}

/**
 * A helper reached the novice by one of its routes, from `from` (for a relayed path, the relay), over a
 * path of `kind`. Within a few seconds it must name an open invitation and prove the password; then the
 * novice decides. Every failure is told to the helper in one line, and a proof begun and not finished
 * counts as a wrong password.
 */
export async function admitHelper(raw: Duplex, from: string, kind: PathKind, deps: NoviceDeps): Promise<void> {
  raw.on('error', () => undefined);
  let wire: Wire | undefined;
  let accepted: Accepted;
  let offer: OfferVerdict | undefined;
  const slot = deps.slots.claim(from, (why) => {
    deps.logger.warn(`turned away a connection from ${from}: ${why}`);
    // Before TLS there is nobody to tell; after it, the helper reads why.
    if (wire) wire.interrupt(`this computer is busy: ${why}; try again in a moment`);
    else raw.destroy();
  });
  if (!slot) {
    raw.destroy();
    return deps.logger.warn(`turned away a connection from ${from}: every handshake slot its address may hold is proving a password`);
  }
  const deadline = Date.now() + (deps.handshakeMs ?? HANDSHAKE_MS);
  try {
    await firstBytes(raw, deadline - Date.now());
    slot.spoke();
    accepted = await acceptTls(raw, deps.identity.keyPem, deps.identity.certPem, deadline - Date.now(), deps.offers && (() => deps.offers!.noviceTls()));
    // An offer's certificate is judged before the Wire reads a byte from the helper.
    offer = accepted.offer && (await judgeOffer(accepted.socket, accepted.offer, deps));
    wire = new Wire(accepted.socket, { peer: 'helper', timing: deps.timing });
  } catch (e) {
    slot.release();
    raw.destroy();
    return deps.logger.info(`a connection from ${from} failed before it began: ${(e as Error).message}`);
  }
  const said: Pick<HelperRefused, 'invitationId' | 'helperName'> = {};
  try {
    if (offer) await offered(wire, offer, { kind, via: from }, deadline, deps, said);
    else await handshake(wire, { kind, via: from }, deadline, deps, said);
  } catch (e) {
    const known = e instanceof Refusal || e instanceof ProtocolError || e instanceof Spake2Error;
    const message = known ? (e as Error).message : `internal error: ${(e as Error).message}`;
    deps.logger[e instanceof Refusal ? 'info' : 'warn'](`refused a helper from ${from}: ${message}`);
    wire.close(message, { t: 'refused', message });
    await deps.hooks.helperRefused
      .call({ from, reason: message, kind: accepted.offer ? 'offer' : 'solicited', ...said })
      .catch((h: Error) => deps.logger.warn(`a helperRefused tap failed: ${h.message}`));
  } finally {
    slot.release();
  }
}

async function handshake(
  wire: Wire,
  path: SessionPath,
  deadline: number,
  deps: NoviceDeps,
  said: { invitationId?: string; helperName?: string },
): Promise<void> {
  const from = path.via;
  const policy = deps.policy();
  if (!policy.allowed) throw new Refusal('Remote Assistance is turned off on this computer');
  allowedPath(path, deps);
  const hello = await wire.next(deadline - Date.now(), 'greeting');
  if (hello.t === 'resume' && hello.v === PROTOCOL_VERSION) return resume(wire, hello, path, deps);
  if (hello.t !== 'hello' || hello.v !== PROTOCOL_VERSION)
    throw new Refusal(`this computer speaks RA protocol ${PROTOCOL_VERSION}; the helper sent something else`);
  const invitationId = text(hello, 'invitation', 64);
  const helperName = cleanName(text(hello, 'helper', 200)) || 'A helper';
  Object.assign(said, { invitationId, helperName });
  const pA = bytes(hello, 'pake');
  const record = await checkInvitation(invitationId, deps);
  // Checked and claimed in one step, so two helpers racing for one invitation cannot both pass.
  if (deps.registry.busy(invitationId)) throw new Refusal('this invitation is already in use by another helper');
  const session = deps.registry.create(invitationId, 'novice', helperName, record.noviceName, from);
  let proving = false;
  try {
    session.verifying(wire, path);
    const veto = await deps.hooks.sessionConnecting.call({ invitationId, kind: 'solicited', helperName, remoteAddress: from });
    if (veto) throw new Refusal(veto);
    // From here the helper's half of the proof is in: whatever stops it counts as a try.
    proving = true;
    // Loaded on the first connection: the curve library costs ~40 ms of every start otherwise.
    const { Spake2, safetyCode } = await import('../pake/index.js');
    const novice = new Spake2('B', await deps.desk.scalar(invitationId), { idA: helperName, idB: invitationId }, channelBinding(wire.socket));
    const proof = novice.finish(pA);
    wire.send({ t: 'pake', pake: Buffer.from(novice.message()).toString('base64') });
    const confirm = await wire.next(deadline - Date.now(), 'password proof');
    proving = false;
    if (confirm.t !== 'confirm' || !proof.verify(bytes(confirm, 'mac'))) throw new Refusal(`wrong password; ${await failedTry(invitationId, deps)}`);
    wire.send({ t: 'confirm', mac: Buffer.from(proof.confirmation).toString('base64') });
    await askNovice(session, proof.sharedKey, safetyCode, deps);
  } catch (e) {
    // A proof begun and abandoned counts as a wrong password, so holding the invitation costs tries.
    const error = proving ? new Refusal(`the password proof was not finished (${(e as Error).message}); ${await failedTry(invitationId, deps)}`) : e;
    session.end(error instanceof Refusal ? 'refused' : 'network', error instanceof Error ? error.message : String(error), true);
    throw error;
  }
}

/** A route should not offer what the policy forbids; this holds even if one does. */
function allowedPath(path: SessionPath, deps: NoviceDeps): void {
  const kinds = deps.kinds?.() ?? ['direct', 'relayed'];
  if (!kinds.includes(path.kind)) throw new Refusal(`this computer's policy allows only ${kinds.join(' and ')} connections, not ${path.kind} ones`);
}

/** The helper is who they say: the novice is asked now, and has CONSENT_MS to answer. */
async function askNovice(session: Session, key: Uint8Array, safetyCode: (key: Uint8Array) => string, deps: NoviceDeps): Promise<void> {
  session.resumable(resumeKeys(key));
  session.awaitingConsent(safetyCode(key));
  awaitAnswer(session, deps.consentMs ?? CONSENT_MS);
  await deps.hooks.consentRequested.call({ session: session.info, scope: 'connect' });
}

/** What the novice's RA made of an offer's certificate: the helper it names, or why they are refused. */
type OfferVerdict = { readonly certified: Certified } | { readonly refused: string; readonly presented?: string };

/**
 * A helper who offers help unasked came with their organisation's certificate: OpenSSL checked chain, dates and
 * revocation, and the OfferAuthority the policy's helpers and groups. Runs before the helper's bytes are read.
 */
async function judgeOffer(socket: TLSSocket, offer: NonNullable<Accepted['offer']>, deps: NoviceDeps): Promise<OfferVerdict> {
  if (offer.refused || !deps.offers) return { refused: offer.refused ?? 'this computer takes no offers of help' };
  const certificate = socket.getPeerX509Certificate();
  const peer = { certificate, error: socket.authorized ? undefined : String(socket.authorizationError) };
  // The name a refused certificate shows is only what it claims; the log keeps it as such.
  const presented = certificate && commonName(certificate)?.slice(0, 64);
  return deps.offers.admit(peer).then(
    (certified) => ({ certified }),
    (e: Error) => ({ refused: e.message, ...(presented && { presented }) }),
  );
}

/** An offer whose certificate passed: the novice is asked, as for an invitation; the helper's first words may also resume. */
async function offered(
  wire: Wire,
  offer: OfferVerdict,
  path: SessionPath,
  deadline: number,
  deps: NoviceDeps,
  said: { invitationId?: string; helperName?: string },
): Promise<void> {
  if ('refused' in offer) {
    if (offer.presented) said.helperName = offer.presented;
    throw new Refusal(offer.refused);
  }
  allowedPath(path, deps);
  const { certified } = offer;
  said.helperName = certified.title;
  const hello = await wire.next(deadline - Date.now(), 'greeting');
  if (hello.t === 'resume' && hello.v === PROTOCOL_VERSION) return resume(wire, hello, path, deps, certified);
  if (hello.t !== 'offer' || hello.v !== PROTOCOL_VERSION)
    throw new Refusal(`this computer speaks RA protocol ${PROTOCOL_VERSION}; the helper sent something else`);
  // One session per certified helper at a time, as per invitation.
  const offerId = `offer:${certified.serial}`;
  said.invitationId = offerId;
  if (deps.registry.busy(offerId)) throw new Refusal(`${certified.title} is already connected to this computer`);
  const session = deps.registry.create(offerId, 'novice', certified.title, deps.noviceName(), path.via, certified);
  try {
    session.verifying(wire, path);
    const veto = await deps.hooks.sessionConnecting.call({ invitationId: offerId, kind: 'offer', helperName: certified.title, remoteAddress: path.via });
    if (veto) throw new Refusal(veto);
    wire.send({ t: 'offered', novice: session.localName });
    const { safetyCode } = await import('../pake/index.js');
    await askNovice(session, offerKey(wire.socket), safetyCode, deps);
  } catch (e) {
    session.end(e instanceof Refusal ? 'refused' : 'network', (e as Error).message, true);
    throw e;
  }
}

/**
 * The helper of an open session whose path dropped is back on a new one: it proves it holds the session's
 * key on this connection, the novice proves it back, and the session goes on where it was. The invitation
 * may have ended meanwhile: the session it opened has not.
 */
async function resume(wire: Wire, hello: { [k: string]: unknown }, path: SessionPath, deps: NoviceDeps, certified?: Certified): Promise<void> {
  const message = hello as { t: string; [k: string]: unknown };
  const session = deps.registry.byResumeId(text(message, 'id', 64));
  if (!session?.resumeKeys) throw new Refusal('there is no session to resume here: it has ended');
  // An offer's session comes back only with the certificate it began with, checked again now; an invitation's, without one.
  if (session.certified?.serial !== certified?.serial) {
    session.resumeRefused();
    throw new Refusal(
      session.certified
        ? 'this session began with a certificate: resume it with the same one'
        : 'the resume proof failed: this is not the helper of that session',
    );
  }
  const binding = channelBinding(wire.socket);
  if (!checkProof(session.resumeKeys, 'helper', binding, bytes(message, 'proof'))) {
    session.resumeRefused();
    throw new Refusal('the resume proof failed: this is not the helper of that session');
  }
  // Ended while the path was down: its own helper, proven, hears who ended it and why, as the lost goodbye said.
  const { endedBy, reason } = session.view();
  if (session.ended && (endedBy === 'novice' || endedBy === 'helper')) return wire.close(reason ?? '', { t: 'bye', by: endedBy, reason });
  if (session.ended) throw new Refusal(`there is no session to resume here: it ended (${reason})`);
  const received = message.received;
  if (typeof received !== 'number' || !Number.isInteger(received) || received < 0) throw new ProtocolError("malformed message: 'received' must be a count");
  wire.send({ t: 'resumed', proof: resumeProof(session.resumeKeys, 'novice', binding).toString('base64'), received: session.receivedFrames });
  session.resumeOn(wire, path, received);
}

/**
 * Waits, without reading, until the helper sends something: a real one starts TLS at once, a
 * silent socket never does. TLS then takes what arrived from the stream's buffer.
 */
function firstBytes(raw: Duplex, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      raw.off('readable', readable).off('close', closed);
      if (error) reject(error);
      else resolve();
    };
    const readable = () => done();
    const closed = () => done(new Error('the connection closed before it said anything'));
    const timer = setTimeout(() => done(new Error(`nothing was said within ${Math.round(ms / 1000)} s`)), ms);
    if (raw.readableLength > 0) return done();
    raw.once('readable', readable).once('close', closed);
  });
}

/** A request nobody answers is declined, so a helper cannot stay connected and waiting for good. */
function awaitAnswer(session: Session, ms: number): void {
  setTimeout(() => {
    if (session.current === 'awaiting-consent') session.disconnect('novice', `nobody answered the request within ${Math.round(ms / 60_000)} minutes`);
  }, ms).unref();
}

async function checkInvitation(invitationId: string, deps: NoviceDeps): Promise<InvitationRecord> {
  const record = await deps.desk.get(invitationId);
  if (!record) throw new Refusal('this computer has no such invitation; it may have been made on another computer or removed');
  const why: Record<string, string> = {
    // In words, not a date: the helper may live in another time zone.
    expired: `this invitation ended ${ago(record.endedAt ?? record.expiresAt)}; ask for a new one`,
    deleted: 'this invitation was deleted by the person who made it',
    locked: `this invitation is locked after ${MAX_PASSWORD_ATTEMPTS} wrong passwords; ask for a new one`,
  };
  if (record.status !== 'open') throw new Refusal(why[record.status] ?? `this invitation is ${record.status}`);
  return record;
}

async function failedTry(invitationId: string, deps: NoviceDeps): Promise<string> {
  const record = await deps.desk.recordFailedAttempt(invitationId);
  const left = MAX_PASSWORD_ATTEMPTS - record.failedAttempts;
  return left > 0
    ? `${left} ${left === 1 ? 'try' : 'tries'} left before this invitation locks`
    : `the invitation is now locked after ${MAX_PASSWORD_ATTEMPTS} wrong passwords, so ask for a new one`;
}
