import { randomBytes } from 'node:crypto';
import { MAX_FRAME_BYTES, type ClientFrame, type InviteState, type Offer, type SentInvite, type ServerFrame } from '../common/protocol.js';
import type { Contacts } from './contacts.js';
import { FrameError } from './errors.js';
import { userName, type Hub } from './hub.js';
import { mutual } from './relations.js';
import { OPEN_INVITE, type InviteRecord, type RemovedUser } from './store.js';

type Send = Extract<ClientFrame, { type: 'invite.send' }>;
/** An answered invitation stays this long at most, so the sender's RA can read how it ended after a reconnect. */
const ANSWERED_KEPT_MS = 60 * 60_000;

/**
 * Invitations delivered through the messenger: sent → delivered → accepted | declined | cancelled |
 * expired. They live in the store until they expire, so a restart loses none; the first answer wins
 * (the store moves an invitation only from an open state).
 */
export class Invites {
  constructor(
    private readonly hub: Hub,
    private readonly contacts: Contacts,
  ) {}

  /** Schedules the expiry of the invitations in the store (after a restart: those that expired meanwhile expire now). */
  async start(): Promise<void> {
    this.hub.schedule.start((id) => this.expire(id));
    for (const invite of await this.hub.store.allInvites()) await this.schedule(invite);
  }

  stop(): void {
    this.hub.schedule.stop();
  }

  /** Stores the invitation and offers it to the recipient's devices; returns the `sent` status for the requesting device. */
  async send(from: string, device: string, frame: Send): Promise<ServerFrame> {
    const to = userName(frame.to);
    if (to === from) throw new FrameError('bad-frame', 'you cannot invite yourself');
    if (!(await this.hub.rates.take('invites-sender', from, this.hub.limits.invitesPerSender)))
      throw new FrameError('rate-limited', 'you have sent too many invitations just now; wait a minute');
    const pair = await this.contacts.pair(from, to);
    if (pair.mine?.blocked) throw new FrameError('not-contact', `you block ${to}; unblock them first`);
    if (pair.mine?.state !== 'mutual') throw new FrameError('not-contact', `${to} is not your contact: you can invite only contacts who accepted you`);
    // Blocked by them looks exactly like offline.
    if (!mutual(pair) || (await this.contacts.presence(to)) === 'offline')
      throw new FrameError('recipient-offline', `${to} is offline; nothing was sent. Invite them when they are online, or send the invitation another way`);
    if (!(await this.hub.rates.take('invites-recipient', to, this.hub.limits.invitesPerRecipient)))
      throw new FrameError('rate-limited', `${to} has been sent too many invitations just now; try again in a minute`);
    const expiresAt = this.expiry(frame.expiresAt);
    await this.room(from, to, frame.ticket.length);
    const invite: InviteRecord = {
      id: randomBytes(12).toString('base64url'),
      invitationId: frame.invitationId,
      from,
      to,
      ticket: frame.ticket,
      message: frame.message,
      expiresAt,
      created: this.hub.now(),
      state: 'sent',
    };
    const offer: ServerFrame = { type: 'invite.offer', ...(await this.offer(invite)) };
    if (Buffer.byteLength(JSON.stringify(offer)) > MAX_FRAME_BYTES)
      throw new FrameError('too-large', `the invitation and its message do not fit in one ${MAX_FRAME_BYTES}-byte frame; shorten the message`);
    await this.hub.store.addInvite(invite);
    await this.schedule(invite);
    this.hub.log(`invitation ${invite.id} from ${from} to ${to}`);
    await this.hub.bus.publish(from, status(invite, 'sent'), { except: device });
    await this.hub.bus.publish(to, offer);
    return { ...status(invite, 'sent'), ref: frame.id };
  }

  /** A recipient's device has the offer: the sender hears `delivered`. */
  async received(user: string, id: string): Promise<void> {
    const invite = await this.mine(user, id, 'to');
    if (invite.state !== 'sent') return;
    const moved = await this.hub.store.moveInvite(id, ['sent'], 'delivered');
    if (moved) await this.hub.bus.publish(moved.from, status(moved, 'delivered'));
  }

  async respond(user: string, device: string, id: string, accept: boolean): Promise<void> {
    const invite = await this.mine(user, id, 'to');
    if (OPEN_INVITE.includes(invite.state) && invite.expiresAt <= this.hub.now()) {
      await this.expire(id);
      throw new FrameError('expired', `the invitation from ${invite.from} has expired`);
    }
    const moved = await this.close(invite, accept ? 'accepted' : 'declined');
    await this.hub.bus.publish(user, { type: 'invite.closed', invite: id, reason: `${moved.state} on another device` }, { except: device });
  }

  async cancel(user: string, id: string): Promise<void> {
    const moved = await this.close(await this.mine(user, id, 'from'), 'cancelled');
    await this.hub.bus.publish(moved.to, { type: 'invite.closed', invite: id, reason: `${moved.from} cancelled the invitation` });
  }

  /** Open offers to `user`, for `welcome`. */
  async offers(user: string): Promise<Offer[]> {
    const now = this.hub.now();
    const open = (await this.hub.store.invitesOf(user)).filter((i) => i.to === user && OPEN_INVITE.includes(i.state) && i.expiresAt > now);
    return Promise.all(open.map((i) => this.offer(i)));
  }

  /** What `user` sent and the server still keeps, for `welcome`. */
  async sent(user: string): Promise<SentInvite[]> {
    return (await this.hub.store.invitesOf(user))
      .filter((i) => i.from === user)
      .map((i) => ({ invite: i.id, invitationId: i.invitationId, to: i.to, state: i.state }));
  }

  /** A removed user's invitations are gone: the other side hears it. */
  async removed(gone: RemovedUser): Promise<void> {
    const name = gone.user.name;
    for (const invite of gone.invites) {
      await this.hub.schedule.cancel(invite.id);
      if (!OPEN_INVITE.includes(invite.state)) continue;
      if (invite.from === name) await this.hub.bus.publish(invite.to, { type: 'invite.closed', invite: invite.id, reason: `${name}'s account was removed` });
      else await this.hub.bus.publish(invite.from, status(invite, 'cancelled', `${name}'s account was removed`));
    }
  }

  private async mine(user: string, id: string, side: 'from' | 'to'): Promise<InviteRecord> {
    const invite = await this.hub.store.invite(id);
    if (!invite || invite[side] !== user) throw new FrameError('unknown-invite', 'there is no such invitation of yours on this server');
    return invite;
  }

  /** The first answer wins: a second one is told what happened. */
  private async close(invite: InviteRecord, state: InviteState): Promise<InviteRecord> {
    const moved = await this.hub.store.moveInvite(invite.id, OPEN_INVITE, state);
    if (!moved) {
      const now = await this.hub.store.invite(invite.id);
      throw new FrameError('invite-closed', `the invitation is no longer open: it was ${now?.state ?? 'removed'}`);
    }
    await this.schedule(moved);
    await this.hub.bus.publish(moved.from, status(moved, state));
    return moved;
  }

  /** Refuses an invitation beyond the bounds per pair, per sender and on the server. */
  private async room(from: string, to: string, ticketBytes: number): Promise<void> {
    const { openInvitesPerPair, openInvitesPerSender, invitesKeptPerSender, invites, inviteBytes } = this.hub.limits;
    const mine = (await this.hub.store.invitesOf(from)).filter((i) => i.from === from);
    const open = mine.filter((i) => OPEN_INVITE.includes(i.state));
    if (open.filter((i) => i.to === to).length >= openInvitesPerPair)
      throw new FrameError('rate-limited', `you already have ${openInvitesPerPair} invitations waiting for ${to}; cancel one first`);
    if (open.length >= openInvitesPerSender)
      throw new FrameError('rate-limited', `you already have ${openInvitesPerSender} invitations waiting; cancel some first`);
    if (mine.length >= invitesKeptPerSender)
      throw new FrameError('rate-limited', `you sent ${invitesKeptPerSender} invitations in the last hour; wait a while`);
    const all = await this.hub.store.inviteTotals();
    if (all.count >= invites || all.bytes + ticketBytes > inviteBytes)
      throw new FrameError('busy', 'the server holds as many invitations as it can; try again later');
  }

  private expiry(text: string): number {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new FrameError('bad-frame', `expiresAt '${text}' is not an ISO time`);
    const now = this.hub.now();
    if (at <= now) throw new FrameError('expired', 'the invitation has already expired');
    return Math.min(at, now + this.hub.limits.inviteMaxMs);
  }

  private async offer(invite: InviteRecord): Promise<Offer> {
    const fromName = (await this.hub.store.user(invite.from))?.displayName ?? invite.from;
    const { id, from, invitationId, message, ticket } = invite;
    return { invite: id, from, fromName, invitationId, message, ticket, expiresAt: new Date(invite.expiresAt).toISOString() };
  }

  /** At its expiry an open invitation expires; an answered one is forgotten then (until then `welcome.sent` shows how it ended). */
  private schedule(invite: InviteRecord): Promise<void> {
    return this.hub.schedule.at(invite.id, this.due(invite));
  }

  /** An open invitation ends at its expiry; an answered one is kept an hour at most, for `welcome.sent`. */
  private due(invite: InviteRecord): number {
    return OPEN_INVITE.includes(invite.state) ? invite.expiresAt : Math.min(invite.expiresAt, this.hub.now() + ANSWERED_KEPT_MS);
  }

  private async expire(id: string): Promise<void> {
    const moved = await this.hub.store.moveInvite(id, OPEN_INVITE, 'expired');
    await this.hub.schedule.cancel(id);
    await this.hub.store.removeInvite(id);
    if (!moved) return;
    await this.hub.bus.publish(moved.from, status(moved, 'expired'));
    await this.hub.bus.publish(moved.to, { type: 'invite.closed', invite: id, reason: 'the invitation expired' });
  }
}

function status(invite: InviteRecord, state: InviteState, detail?: string): Extract<ServerFrame, { type: 'invite.status' }> {
  return { type: 'invite.status', invite: invite.id, invitationId: invite.invitationId, to: invite.to, state, ...(detail ? { detail } : {}) };
}
