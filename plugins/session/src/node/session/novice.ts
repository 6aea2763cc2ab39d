import type { Duplex } from 'node:stream';
import type { Logger } from '@ra/kernel';
import type { InvitationRecord } from '../../common/api.js';
import type { SessionHooks, SolicitedPolicy } from '../../common/api.js';
import { MAX_PASSWORD_ATTEMPTS } from '../invitation/store.js';
import { Spake2Error } from '../pake/error.js';
import { acceptTls, channelBinding } from '../wire/tls.js';
import { ProtocolError } from '../wire/framing.js';
import { Wire } from '../wire/wire.js';
import { bytes, HANDSHAKE_MS, PROTOCOL_VERSION, text } from './messages.js';
import type { SessionRegistry } from './registry.js';

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
  /** Handshakes under way now, across all connections. */
  readonly handshakes: { active: number };
  policy(): SolicitedPolicy;
}

/** Connections still proving a password at once; more are dropped unread, so floods cannot pile up. */
const MAX_HANDSHAKES = 16;

/** Refused: the helper hears `message` and the connection closes. */
class Refusal extends Error {}

/**
 * A helper reached the novice by one of its routes. It must name an open invitation, prove the password,
 * and then wait for the novice's answer. Every failure is told to the helper in one line.
 */
export async function admitHelper(raw: Duplex, from: string, deps: NoviceDeps): Promise<void> {
  raw.on('error', () => undefined);
  if (deps.handshakes.active >= MAX_HANDSHAKES) {
    raw.destroy();
    return deps.logger.warn(`turned away a connection from ${from}: ${MAX_HANDSHAKES} helpers are already proving a password`);
  }
  deps.handshakes.active++;
  try {
    await admit(raw, from, deps);
  } finally {
    deps.handshakes.active--;
  }
}

async function admit(raw: Duplex, from: string, deps: NoviceDeps): Promise<void> {
  let wire: Wire;
  try {
    wire = new Wire(await acceptTls(raw, deps.identity.keyPem, deps.identity.certPem, HANDSHAKE_MS), 'refuse');
  } catch (e) {
    return deps.logger.info(`a connection from ${from} failed before it began: ${(e as Error).message}`);
  }
  try {
    await handshake(wire, from, deps);
  } catch (e) {
    const known = e instanceof Refusal || e instanceof ProtocolError || e instanceof Spake2Error;
    const message = known ? (e as Error).message : `internal error: ${(e as Error).message}`;
    deps.logger[e instanceof Refusal ? 'info' : 'warn'](`refused a helper from ${from}: ${message}`);
    wire.close(message, { t: 'refused', message });
  }
}

async function handshake(wire: Wire, from: string, deps: NoviceDeps): Promise<void> {
  const policy = deps.policy();
  if (!policy.allowed) throw new Refusal('Remote Assistance is turned off on this computer by its policy');
  const hello = await wire.next(HANDSHAKE_MS, 'greeting');
  if (hello.t !== 'hello' || hello.v !== PROTOCOL_VERSION)
    throw new Refusal(`this computer speaks RA protocol ${PROTOCOL_VERSION}; the helper sent something else`);
  const invitationId = text(hello, 'invitation', 64);
  const helperName = text(hello, 'helper', 64) || 'A helper';
  const pA = bytes(hello, 'pake');
  const record = await checkInvitation(invitationId, deps);
  // Checked and claimed in one step, so two helpers racing for one invitation cannot both pass.
  if (deps.registry.busy(invitationId)) throw new Refusal('this invitation is already in use by another helper');
  const session = deps.registry.create(invitationId, 'novice', helperName, record.noviceName, from);
  try {
    session.verifying(wire);
    const veto = await deps.hooks.sessionConnecting.call({ invitationId, kind: 'solicited', helperName, remoteAddress: from });
    if (veto) throw new Refusal(veto);
    // Loaded on the first connection: the curve library costs ~40 ms of every start otherwise.
    const { Spake2, safetyCode } = await import('../pake/index.js');
    const novice = new Spake2('B', await deps.desk.scalar(invitationId), { idA: helperName, idB: invitationId }, channelBinding(wire.socket));
    const proof = novice.finish(pA);
    wire.send({ t: 'pake', pake: Buffer.from(novice.message()).toString('base64') });
    const confirm = await wire.next(HANDSHAKE_MS, 'password proof');
    if (confirm.t !== 'confirm' || !proof.verify(bytes(confirm, 'mac'))) throw new Refusal(await wrongPassword(invitationId, deps));
    wire.send({ t: 'confirm', mac: Buffer.from(proof.confirmation).toString('base64') });
    session.awaitingConsent(safetyCode(proof.sharedKey));
    await deps.hooks.consentRequested.call({ session: session.info, scope: 'connect' });
  } catch (e) {
    session.end('helper', e instanceof Error ? e.message : String(e), true);
    throw e;
  }
}

async function checkInvitation(invitationId: string, deps: NoviceDeps): Promise<InvitationRecord> {
  const record = await deps.desk.get(invitationId);
  if (!record) throw new Refusal('this computer has no such invitation; it may have been made on another computer or removed');
  const why: Record<string, string> = {
    expired: `this invitation expired on ${record.expiresAt.toISOString()}`,
    deleted: 'this invitation was deleted by the person who made it',
    locked: `this invitation is locked after ${MAX_PASSWORD_ATTEMPTS} wrong passwords; ask for a new one`,
  };
  if (record.status !== 'open') throw new Refusal(why[record.status] ?? `this invitation is ${record.status}`);
  return record;
}

async function wrongPassword(invitationId: string, deps: NoviceDeps): Promise<string> {
  const record = await deps.desk.recordFailedAttempt(invitationId);
  const left = MAX_PASSWORD_ATTEMPTS - record.failedAttempts;
  return left > 0
    ? `wrong password; ${left} ${left === 1 ? 'try' : 'tries'} left before this invitation locks`
    : `wrong password; the invitation is now locked after ${MAX_PASSWORD_ATTEMPTS} wrong passwords, so ask for a new one`;
}
