import type { Contact, InviteState, Offer, OwnPresence, SentInvite, ServerFrame, SessionGrant } from '../common/protocol.js';
import { offerSource, type MessengerChange, type OfferState, type OfferView } from '../common/api.js';

/** Offers kept at once: the oldest closed ones go first, then the oldest. */
export const MAX_OFFERS = 50;
/** Sent invitations whose steps are followed at once. */
export const MAX_SENT = 200;

type What = MessengerChange['what'];

export interface RosterEvents {
  changed(what: What): void;
  /** An offer arrived: tell the server this device has it (`invite.received`). */
  offered(invite: string): void;
  /** A step of an invitation this user sent: new ones only, once each. */
  status(sent: SentInvite, detail?: string): void;
  /** The novice's side of a session a helper asked for. */
  sessionStart(grant: SessionGrant): void;
}

interface KeptOffer {
  readonly offer: Offer;
  state: OfferState;
  reason?: string;
}

/** What the client knows of its contacts, offers and sent invitations, kept current from the server's frames alone. */
export class Roster {
  user?: string;
  displayName?: string;
  presence?: OwnPresence;
  private readonly contacts = new Map<string, Contact>();
  private readonly offers = new Map<string, KeptOffer>();
  private readonly sent = new Map<string, SentInvite>();

  constructor(private readonly events: RosterEvents) {}

  contactList(): Contact[] {
    return [...this.contacts.values()].sort((a, b) => a.user.localeCompare(b.user));
  }

  contact(user: string): Contact | undefined {
    return this.contacts.get(user);
  }

  offerList(now = Date.now()): OfferView[] {
    return [...this.offers.values()].map((k) => view(k, now));
  }

  offer(invite: string): Offer | undefined {
    return this.offers.get(invite)?.offer;
  }

  /** The invitation this user sent with `invitationId`, as the server last told. */
  sentInvite(invitationId: string): SentInvite | undefined {
    return [...this.sent.values()].find((s) => s.invitationId === invitationId);
  }

  answered(invite: string, accept: boolean): void {
    const kept = this.offers.get(invite);
    if (!kept) return;
    kept.state = accept ? 'accepted' : 'declined';
    this.events.changed('offers');
  }

  /** Signed out: nothing of the last account stays. */
  clear(): void {
    this.user = this.displayName = this.presence = undefined;
    this.contacts.clear();
    this.offers.clear();
    this.sent.clear();
    this.events.changed('contacts');
    this.events.changed('offers');
  }

  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome':
        return this.welcome(frame);
      case 'contact':
        this.contacts.set(frame.contact.user, frame.contact);
        return this.events.changed('contacts');
      case 'contact.gone':
        if (this.contacts.delete(frame.user)) this.events.changed('contacts');
        return;
      case 'presence': {
        const known = this.contacts.get(frame.user);
        if (!known || known.presence === frame.presence) return;
        this.contacts.set(frame.user, { ...known, presence: frame.presence });
        return this.events.changed('contacts');
      }
      case 'invite.offer': {
        const { type: _, ...offer } = frame;
        return this.offered(offer);
      }
      case 'invite.closed': {
        const kept = this.offers.get(frame.invite);
        if (!kept || kept.state === 'closed') return;
        // Answered here first: the server closing it for the other devices changes nothing here.
        if (kept.state === 'open') Object.assign(kept, { state: 'closed', reason: frame.reason });
        return this.events.changed('offers');
      }
      case 'invite.status': {
        const { invite, invitationId, to, state, detail } = frame;
        return this.step({ invite, invitationId, to, state }, detail);
      }
      case 'session.start':
        if (frame.side === 'novice') this.events.sessionStart(frame);
        return;
    }
  }

  private welcome(frame: Extract<ServerFrame, { type: 'welcome' }>): void {
    this.user = frame.user;
    this.displayName = frame.displayName;
    this.presence = frame.presence;
    this.contacts.clear();
    for (const c of frame.contacts) this.contacts.set(c.user, c);
    // Offers still open at the server stay or arrive; those it no longer has closed while this RA was away.
    const open = new Set(frame.offers.map((o) => o.invite));
    for (const [invite, kept] of this.offers)
      if (!open.has(invite) && kept.state === 'open') Object.assign(kept, { state: 'closed', reason: 'it closed while this computer was away' });
    for (const offer of frame.offers) if (!this.offers.has(offer.invite)) this.offered(offer, false);
    // Steps taken while the connection was down (a restart mid-invitation) are told now.
    for (const s of frame.sent) this.step(s);
    this.events.changed('status');
    this.events.changed('contacts');
    this.events.changed('offers');
  }

  private offered(offer: Offer, tell = true): void {
    if (!this.offers.has(offer.invite)) {
      this.offers.set(offer.invite, { offer, state: 'open' });
      prune(this.offers, MAX_OFFERS, (k) => k.state !== 'open');
    }
    this.events.offered(offer.invite);
    if (tell) this.events.changed('offers');
  }

  private step(sent: SentInvite, detail?: string): void {
    const known = this.sent.get(sent.invite);
    if (known?.state === sent.state) return;
    // A late `delivered` after `accepted` (two devices) must not walk the state back.
    if (known && FINAL.has(known.state)) return;
    this.sent.set(sent.invite, sent);
    prune(this.sent, MAX_SENT, (s) => FINAL.has(s.state));
    this.events.status(sent, detail);
  }
}

const FINAL: ReadonlySet<InviteState> = new Set(['accepted', 'declined', 'cancelled', 'expired']);

function view({ offer, state, reason }: KeptOffer, now: number): OfferView {
  const expired = state === 'open' && Date.parse(offer.expiresAt) <= now;
  return {
    invite: offer.invite,
    invitationId: offer.invitationId,
    from: offer.from,
    fromName: offer.fromName,
    message: offer.message,
    expiresAt: offer.expiresAt,
    state: expired ? 'closed' : state,
    ...(expired ? { reason: 'it expired' } : reason ? { reason } : {}),
    source: offerSource(offer.invite),
  };
}

/** Drops entries past `max`, the oldest of those `first` picks before any other. */
function prune<V>(map: Map<string, V>, max: number, first: (v: V) => boolean): void {
  for (const pass of [first, () => true]) {
    for (const [key, value] of map) {
      if (map.size <= max) return;
      if (pass(value)) map.delete(key);
    }
  }
}
