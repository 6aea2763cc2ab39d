/** What `ra.messenger` publishes (`@ra/plugin-messenger/api`): the protocol and the client's views. Browser-safe. */
import type { Contact, OwnPresence } from './protocol.js';

export * from './protocol.js';

/** `connected`: signed in and live; `connecting`: (re)connecting by itself; `offline`: not trying (signed out, or a fault only the user can fix). */
export type ConnectionState = 'connected' | 'connecting' | 'offline';

/** `GET /api/messenger`. */
export interface MessengerStatus {
  /** `host:port` of the account's server (its nodes, comma-separated), or what the settings name before anyone signed in. */
  readonly server?: string;
  readonly signedIn: boolean;
  readonly user?: string;
  readonly displayName?: string;
  /** What this user shows their contacts; `offline` while not connected. */
  readonly presence: OwnPresence | 'offline';
  readonly connection: ConnectionState;
  /** While connected, the node of the messenger this RA is on (`host:port`, with the address when the name has several). */
  readonly node?: string;
  /** Why it is not connected, in words: "cannot reach msg.example.org:8443: connection refused". */
  readonly error?: string;
}

/** `GET /api/messenger/contacts`: one row per contact. */
export type ContactView = Contact;

/** `open`: waiting for this user's answer; `accepted`/`declined`: answered here; `closed`: cancelled, expired or answered on another device (`reason`). */
export type OfferState = 'open' | 'accepted' | 'declined' | 'closed';

/** `GET /api/messenger/offers`: an invitation a contact sent this user ("Nora would like your help"). */
export interface OfferView {
  readonly invite: string;
  readonly invitationId: string;
  readonly from: string;
  readonly fromName: string;
  readonly message: string;
  readonly expiresAt: string;
  readonly state: OfferState;
  readonly reason?: string;
  /** What the helper opens it with: `POST /api/sessions/open { source }` once accepted. */
  readonly source: string;
}

/** The `messenger-live` socket's one message: read the named view again. */
export interface MessengerChange {
  readonly type: 'changed';
  readonly what: 'status' | 'contacts' | 'offers';
}

export const MESSENGER_LIVE_PATH = '/api/messenger/live';

/** The contact verbs of `POST /api/messenger/contacts/:verb`. */
export const CONTACT_VERBS = ['add', 'accept', 'decline', 'remove', 'block', 'unblock'] as const;
export type ContactVerb = (typeof CONTACT_VERBS)[number];

/** The source an offer is opened with: `messenger:INVITE`. */
export function offerSource(invite: string): string {
  return `messenger:${invite}`;
}
