import type { OwnPresence, PresenceState, Relation } from '../common/protocol.js';

/** `GET /api/messenger`. */
export interface MessengerStatus {
  readonly server?: string;
  readonly signedIn: boolean;
  readonly user?: string;
  readonly displayName?: string;
  readonly presence: OwnPresence | 'offline';
  readonly connection: 'connected' | 'connecting' | 'offline';
  readonly error?: string;
}

/** `GET /api/messenger/contacts`, one entry. */
export interface ContactView {
  readonly user: string;
  readonly displayName: string;
  readonly presence: PresenceState;
  readonly relation: Relation;
}

/** `GET /api/messenger/offers`, one entry: an invitation someone sent this user. */
export interface OfferView {
  readonly invite: string;
  readonly from: string;
  readonly fromName: string;
  readonly message: string;
  readonly expiresAt: string;
  readonly state: string;
}

/** What the `messenger-live` socket pushes: which view to fetch again. */
export interface LiveChange {
  readonly type: 'changed';
  readonly what: 'status' | 'contacts' | 'offers';
}
