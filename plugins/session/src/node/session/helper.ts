import type { Logger } from '@ra/kernel';
import { cleanName } from '../../common/api.js';
import type { NoviceRoute, PathKind } from '../api.js';
import { isRouteAddress, parseAddress } from '../invitation/address.js';
import { Spake2Error } from '../pake/error.js';
import { passwordScalar } from '../pake/password.js';
import { ProtocolError } from '../wire/framing.js';
import { channelBinding, connectCertified, connectPinned, offerKey, PinMismatchError, type HelperIdentity } from '../wire/tls.js';
import { Wire, type WireTiming } from '../wire/wire.js';
import { bytes, CONSENT_MS, HANDSHAKE_MS, PROTOCOL_VERSION, text } from './messages.js';
import type { SessionRegistry } from './registry.js';
import { checkProof, resumeKeys, resumeProof, ResumeRefused, type ResumeKeys } from './resume.js';
import type { Reconnect, Session } from './session.js';
import { OFFER_SESSION, type EndedBy } from '../../common/views.js';
import { reachNovice, type Target } from './reach.js';

/** What the helper takes from an invitation to reach the novice. */
export interface Destination {
  readonly invitationId: string;
  readonly noviceName: string;
  readonly addresses: readonly string[];
  readonly keyFingerprint: string;
  readonly invitationSecret: Uint8Array;
}

export interface HelperDeps {
  readonly registry: SessionRegistry;
  readonly logger: Logger;
  /** The ways to reach a novice; each address goes by the first route that reaches it. */
  routes(): readonly NoviceRoute[];
  /** The kinds of path this computer's policy allows; both unless said. */
  kinds?(): readonly PathKind[];
  open(session: Session): Promise<void>;
  readonly timing?: WireTiming;
  /** How long the helper waits for Accept or Decline; HELPER_CONSENT_MS unless a spec shortens it. */
  readonly consentMs?: number;
}

/** A little longer than the novice's own 10 minutes, so the novice's "nobody answered" arrives first when it can. */
export const HELPER_CONSENT_MS = CONSENT_MS + 30_000;

const CONNECT_MS = 8_000;
/**
 * A resume tries again rather than wait: each attempt gets 3 s (the novice is known to be there; a grant
 * that reached no node costs no more), and a relayed path waits 1 s for a direct one (a first connection 3 s).
 */
const RESUME_CONNECT_MS = 3_000;
const RESUME_GRACE_MS = 1_000;

/**
 * The helper's side: reach the novice at one of the invitation's addresses, by whichever route
 * reaches it, over pinned TLS; prove
 * the password, and wait for Accept. Returns at once; the session's state tells the rest.
 */
export function connectToNovice(to: Destination, password: string, typedName: string, deps: HelperDeps): Session {
  // The novice cleans the name it receives, and both feed it into the proof: so it is cleaned here first.
  const helperName = cleanName(typedName) || 'A helper';
  const session = deps.registry.create(to.invitationId, 'helper', cleanName(to.noviceName) || 'The novice', helperName, to.addresses.join(', '));
  return settle(session, run(session, to, password, helperName, deps), deps);
}

/**
 * Offer Remote Assistance: the helper reaches the novice at `address` unasked, over mutual TLS with the
 * certificate their organisation gave them, and waits for Accept. Returns at once, like an invitation.
 */
export function offerHelp(address: string, identity: HelperIdentity & { readonly name: string }, deps: HelperDeps): Session {
  const helperName = identity.name;
  const session = deps.registry.create(OFFER_SESSION, 'helper', address, helperName, address);
  return settle(session, offer(session, address, identity, helperName, deps), deps);
}

/** The attempt ends the session with what went wrong; only a bug is logged as one. */
function settle(session: Session, attempt: Promise<void>, deps: HelperDeps): Session {
  attempt.catch((e: Error) => {
    const known = e instanceof ProtocolError || e instanceof PinMismatchError || e instanceof Spake2Error || e instanceof Refused;
    session.end(e instanceof Refused ? e.by : 'network', known ? e.message : `internal error: ${e.message}`);
    if (!known) deps.logger.error(`session ${session.id}: ${e.stack ?? e.message}`);
  });
  return session;
}

/** An invitation's novice proves itself with the key the invitation pins. */
function pinned(to: Destination): Target {
  return { ...to, secure: (raw, label, _address, _path, ms, signal) => connectPinned(raw, label, to.keyFingerprint, ms, signal) };
}

async function offer(session: Session, address: string, identity: HelperIdentity, helperName: string, deps: HelperDeps): Promise<void> {
  const to: Target = {
    invitationId: OFFER_SESSION,
    noviceName: address,
    addresses: [address],
    // A direct path to a host must reach the computer its certificate names; a route's paths (the messenger's relay,
    // or its punched hole) were chosen by the route's account.
    secure: (raw, label, at, path, ms, signal) =>
      connectCertified(raw, label, path.kind === 'direct' && !isRouteAddress(at) ? parseAddress(at).host : undefined, identity, ms, signal),
  };
  const { socket, path } = await reachNovice(to, deps.routes(), { connectMs: CONNECT_MS, kinds: deps.kinds?.() ?? ['direct', 'relayed'] });
  const wire = new Wire(socket, { peer: 'novice', holdAfter: 'consent', timing: deps.timing });
  session.verifying(wire, path);
  wire.send({ t: 'offer', v: PROTOCOL_VERSION });
  const heard = answer(await wire.next(HANDSHAKE_MS, 'answer from the novice'), 'offered');
  const noviceName = cleanName(text(heard, 'novice', 200)) || 'The novice';
  const { safetyCode } = await import('../pake/index.js');
  const key = offerKey(socket);
  session.awaitingConsent(safetyCode(key), noviceName);
  await consented(wire, noviceName, helperName, deps);
  const keys = resumeKeys(key);
  session.resumable(keys, redial(session, to, keys, deps));
  await deps.open(session);
}

/** The novice's computer refused (`refused`), or a person said no or hung up (`bye`, by whom it says). */
class Refused extends Error {
  constructor(
    message: string,
    readonly by: EndedBy,
  ) {
    super(message);
  }
}

async function run(session: Session, to: Destination, password: string, helperName: string, deps: HelperDeps): Promise<void> {
  const w = await passwordScalar(to.invitationSecret, password);
  const kinds = deps.kinds?.() ?? ['direct', 'relayed'];
  const target = pinned(to);
  const { socket, path } = await reachNovice(target, deps.routes(), { connectMs: CONNECT_MS, kinds });
  const wire = new Wire(socket, { peer: 'novice', holdAfter: 'consent', timing: deps.timing });
  session.verifying(wire, path);
  // Loaded on the first connection: the curve library costs ~40 ms of every start otherwise.
  const { Spake2, safetyCode } = await import('../pake/index.js');
  const helper = new Spake2('A', w, { idA: helperName, idB: to.invitationId }, channelBinding(wire.socket));
  wire.send({ t: 'hello', v: PROTOCOL_VERSION, invitation: to.invitationId, helper: helperName, pake: Buffer.from(helper.message()).toString('base64') });
  const pake = answer(await wire.next(HANDSHAKE_MS, 'answer from the novice'), 'pake');
  const proof = helper.finish(bytes(pake, 'pake'));
  wire.send({ t: 'confirm', mac: Buffer.from(proof.confirmation).toString('base64') });
  const confirm = answer(await wire.next(HANDSHAKE_MS, 'password check'), 'confirm');
  if (!proof.verify(bytes(confirm, 'mac')))
    throw new ProtocolError('the other computer failed its half of the password proof; it is not the one that made this invitation');
  session.awaitingConsent(safetyCode(proof.sharedKey));
  await consented(wire, to.noviceName, helperName, deps);
  const keys = resumeKeys(proof.sharedKey);
  session.resumable(keys, redial(session, target, keys, deps));
  await deps.open(session);
}

/** Waits for the novice's Accept; a No, a hang-up or no answer in time ends the attempt with why. */
async function consented(wire: Wire, noviceName: string, helperName: string, deps: HelperDeps): Promise<void> {
  const waitMs = deps.consentMs ?? HELPER_CONSENT_MS;
  const consent = await wire.next(waitMs, 'answer').catch((e: Error) => {
    if (wire.closed) throw e;
    const minutes = Math.max(1, Math.round(waitMs / 60_000));
    const why = `${noviceName || 'The novice'} did not answer within ${minutes} minute${minutes === 1 ? '' : 's'}; ask them to look at their screen, then connect again`;
    // The novice's page reads this: it names what happened from their side.
    wire.close(why, { t: 'bye', by: 'helper', reason: `${helperName} stopped waiting for an answer after ${minutes} minute${minutes === 1 ? '' : 's'}` });
    throw new ProtocolError(why);
  });
  if (consent.t === 'bye') throw new Refused(text(consent, 'reason', 300) || 'the novice declined', byWhom(consent));
  if (consent.t !== 'consent' || consent.granted !== true) throw new ProtocolError(`malformed message: expected consent, got '${consent.t}'`);
}

/**
 * After the path drops, reaches the novice again by the same routes, over the same TLS as before, and
 * resumes: each side proves it holds the session's key on this very connection, and says how many
 * frames it received.
 */
function redial(session: Session, to: Target, keys: ResumeKeys, deps: HelperDeps): Reconnect {
  return async (signal) => {
    // Back fast first: a relayed path waits only a second for a direct one to verify.
    const options = { connectMs: RESUME_CONNECT_MS, kinds: deps.kinds?.() ?? (['direct', 'relayed'] as const), relayGraceMs: RESUME_GRACE_MS };
    const { socket, path } = await reachNovice(to, deps.routes(), options);
    // The novice's frames may follow its answer at once: they wait until the session takes the wire.
    const wire = new Wire(socket, { peer: 'novice', holdAfter: 'resumed', timing: deps.timing });
    try {
      if (signal.aborted) throw new ProtocolError('the session ended');
      const binding = channelBinding(socket);
      wire.send({
        t: 'resume',
        v: PROTOCOL_VERSION,
        id: keys.id,
        proof: resumeProof(keys, 'helper', binding).toString('base64'),
        received: session.receivedFrames,
      });
      const answer = await wire.next(HANDSHAKE_MS, 'answer to the resume');
      if (answer.t === 'refused') throw new ResumeRefused(text(answer, 'message', 300));
      // The novice ended the session while the path was down: her reason, as if the goodbye had come in time.
      if (answer.t === 'bye' && (answer.by === 'novice' || answer.by === 'helper')) throw new ResumeRefused(text(answer, 'reason', 300), answer.by);
      if (answer.t !== 'resumed' || !checkProof(keys, 'novice', binding, bytes(answer, 'proof')))
        throw new ProtocolError('the computer reached could not prove it is the novice of this session');
      const received = answer.received;
      if (typeof received !== 'number' || !Number.isInteger(received) || received < 0) throw new ProtocolError("malformed message: 'received' must be a count");
      return { wire, path, received };
    } catch (e) {
      wire.close((e as Error).message);
      throw e;
    }
  };
}

/** A refusal from the novice ends the attempt with the novice's own words. */
function answer(message: { t: string; [k: string]: unknown }, expected: string) {
  if (message.t === 'refused') throw new Refused(text(message, 'message', 300), 'refused');
  if (message.t === 'bye') throw new Refused(text(message, 'reason', 300), byWhom(message));
  if (message.t !== expected) throw new ProtocolError(`malformed message: expected '${expected}', got '${message.t}'`);
  return message;
}

function byWhom(bye: { [k: string]: unknown }): EndedBy {
  return bye.by === 'helper' ? 'helper' : bye.by === 'novice' ? 'novice' : 'network';
}
