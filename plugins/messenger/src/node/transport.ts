import {
  MAX_INVITATION_BYTES,
  type DeliveryProgress,
  type DeliveryReceipt,
  type InvitationEnvelope,
  type InvitationTransport,
  type TransportTarget,
} from '@ra/plugin-session/api';
import { MAX_FRAME_BYTES, normaliseUser, type SentInvite } from '../common/protocol.js';
import type { MessengerClient } from './client.js';
import { MessengerError } from './link.js';

/** What `invite.send` adds around the ticket (a message of 1000 characters, the ids); the ticket's base64 fits in the rest of a frame. */
const FRAME_OVERHEAD = 6 * 1024;
/** The largest invitation the messenger carries: a frame is at most MAX_FRAME_BYTES, and base64 grows it by a third. */
export const MAX_TICKET_BYTES = Math.min(MAX_INVITATION_BYTES, Math.floor(((MAX_FRAME_BYTES - FRAME_OVERHEAD) * 3) / 4));
/** Invitations whose later steps are reported at once; a novice does not have more open. */
const MAX_FOLLOWED = 200;
const SOURCE = /^messenger:([A-Za-z0-9_-]{1,128})$/;

/**
 * Windows Messenger's "Ask for Remote Assistance": the signed invitation goes to an online contact's
 * RA at once, and each step (delivered, accepted, declined, …) comes back live. Helper side, the
 * offer's ticket opens with `messenger:INVITE`.
 */
export class MessengerTransport implements InvitationTransport {
  readonly id = 'messenger';
  readonly title = 'Messenger contact';
  readonly target = { label: 'Contact (their messenger user name)', placeholder: 'hank', required: true };
  /** invitationId → where its steps go. */
  private readonly followed = new Map<string, DeliveryProgress>();

  constructor(private readonly client: MessengerClient) {
    client.onStep((sent, detail) => this.step(sent, detail));
  }

  /** Mutual contacts, online ones first; offline ones shown but not pickable, since nothing is queued for them. */
  async targets(): Promise<TransportTarget[]> {
    return this.client
      .contacts()
      .filter((c) => c.relation === 'mutual')
      .sort((a, b) => Number(a.presence === 'offline') - Number(b.presence === 'offline') || a.displayName.localeCompare(b.displayName))
      .map((c) => ({
        value: c.user,
        label: c.displayName === c.user ? c.user : `${c.displayName} (${c.user})`,
        ...(c.presence === 'offline' ? { disabled: true, note: 'offline' } : c.presence === 'online' ? {} : { note: c.presence }),
      }));
  }

  async deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt> {
    const size = envelope.data.byteLength;
    if (size === 0) throw new Error('the invitation is empty');
    if (size > MAX_TICKET_BYTES)
      throw new Error(`the invitation is ${size} bytes, more than the ${MAX_TICKET_BYTES} the messenger carries; save it as a file instead`);
    const to = normaliseUser(target);
    if (!to) throw new Error("say which contact to send the invitation to: the target is the contact's user name");
    if (!this.client.signedIn) throw new Error('not signed in to a messenger: sign in first (ra messenger login)');
    const contact = this.client.contacts().find((c) => c.user === to);
    if (contact?.relation !== 'mutual') throw new Error(`${target} is not one of your messenger contacts: add them, and wait for them to accept`);
    if (contact.presence === 'offline')
      throw new Error(`${contact.displayName} is offline: an invitation through the messenger reaches only a contact who is online`);
    this.follow(envelope.invitationId, progress);
    try {
      await this.client.request({
        type: 'invite.send',
        to,
        invitationId: envelope.invitationId,
        ticket: Buffer.from(envelope.data).toString('base64'),
        message: envelope.message,
        expiresAt: envelope.expiresAt.toISOString(),
      });
    } catch (e) {
      this.followed.delete(envelope.invitationId);
      throw new Error(`cannot send the invitation to ${contact.displayName}: ${reason(e, contact.displayName)}`, { cause: e });
    }
    return { transport: this.id, target: to, deliveredAt: new Date() };
  }

  async cancel(invitationId: string): Promise<void> {
    const sent = this.client.roster.sentInvite(invitationId);
    if (!sent) throw new Error(`invitation ${invitationId} was not sent through the messenger from this computer`);
    // Answered or over already: there is no offer left to withdraw.
    if (sent.state !== 'sent' && sent.state !== 'delivered') return;
    await this.client.request({ type: 'invite.cancel', invite: sent.invite });
  }

  accepts(source: string): boolean {
    return SOURCE.test(source);
  }

  /** The ticket of an offer this user received (`messenger:INVITE`). */
  async receive(source: string): Promise<Uint8Array> {
    const invite = SOURCE.exec(source)?.[1];
    const offer = invite ? this.client.roster.offer(invite) : undefined;
    if (!offer) throw new Error(`no invitation '${source}' was offered to you through the messenger${this.client.signedIn ? '' : ' (not signed in)'}`);
    return new Uint8Array(Buffer.from(offer.ticket, 'base64'));
  }

  private follow(invitationId: string, progress: DeliveryProgress): void {
    this.followed.delete(invitationId);
    this.followed.set(invitationId, progress);
    for (const oldest of this.followed.keys()) {
      if (this.followed.size <= MAX_FOLLOWED) break;
      this.followed.delete(oldest);
    }
  }

  private step(sent: SentInvite, detail?: string): void {
    const progress = this.followed.get(sent.invitationId);
    if (!progress) return;
    progress(sent.state, detail);
    if (sent.state !== 'sent' && sent.state !== 'delivered') this.followed.delete(sent.invitationId);
  }
}

/** The server's code in the novice's words. */
function reason(e: unknown, name: string): string {
  if (!(e instanceof MessengerError)) return (e as Error).message;
  if (e.code === 'recipient-offline') return `${name} is offline; nothing was queued`;
  if (e.code === 'not-contact') return `${name} is not a mutual contact`;
  return e.message;
}
