/**
 * The messenger's wire protocol, shared by the server (`ra messenger serve`) and the client plugin.
 * One JSON text frame per WebSocket message. Browser-safe: no Node imports.
 */

export const PROTOCOL_VERSION = 1;
/** The largest frame either side accepts; a ticket is at most 64 KiB of XML, so it travels base64 in a frame this size only if small enough. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** The path of the messenger socket and of the WebSocket relay on the server's port. */
export const MESSENGER_PATH = '/messenger';
export const RELAY_PATH = '/relay';
/** A relay token lives this long; the first side waits for the second at most `RELAY_WAIT_MS`. */
export const RELAY_TOKEN_MS = 60_000;
export const RELAY_WAIT_MS = 30_000;
/** Server pings every 20 s; a client that misses two shows offline (well within 60 s). */
export const PING_MS = 20_000;

export type PresenceState = 'online' | 'busy' | 'away' | 'offline';
/** What a user may set: `appear-offline` shows as `offline` to contacts. */
export type OwnPresence = Exclude<PresenceState, 'offline'> | 'appear-offline';
/** `mutual`: contacts; `asked`: I asked them; `asking`: they ask me; `blocked`: I block them (they see nothing). */
export type Relation = 'mutual' | 'asked' | 'asking' | 'blocked';
export type InviteState = 'sent' | 'delivered' | 'accepted' | 'declined' | 'cancelled' | 'expired';

export interface Contact {
  readonly user: string;
  readonly displayName: string;
  readonly relation: Relation;
  /** `offline` unless mutual. */
  readonly presence: PresenceState;
}

/** Stable error codes: the client maps them to its own words; `message` is already readable. */
export type ErrorCode =
  | 'bad-frame'
  | 'too-large'
  | 'unknown-type'
  | 'not-signed-in'
  | 'bad-credentials'
  | 'bad-token'
  | 'registration-closed'
  | 'user-taken'
  | 'weak-password'
  | 'rate-limited'
  | 'not-contact'
  | 'recipient-offline'
  | 'novice-offline'
  | 'unknown-invite'
  | 'invite-closed'
  | 'expired'
  | 'busy'
  /** The server cannot reach what it keeps its state in (Redis); nothing changed, try again shortly. */
  | 'unavailable'
  | 'internal';

// ---- client → server ----

export type ClientFrame =
  | { type: 'register'; id: string; user: string; displayName: string; password: string; device: string }
  | { type: 'login'; id: string; user: string; password: string; device: string }
  | { type: 'hello'; id: string; token: string; device: string; version: number }
  | { type: 'logout'; id: string }
  | { type: 'password.change'; id: string; old: string; new: string }
  | { type: 'presence.set'; id: string; state: OwnPresence }
  | { type: 'contact.request' | 'contact.accept' | 'contact.decline' | 'contact.remove' | 'contact.block' | 'contact.unblock'; id: string; user: string }
  | {
      type: 'invite.send';
      id: string;
      to: string;
      invitationId: string;
      /** The signed invitation file, base64. */
      ticket: string;
      message: string;
      /** ISO time. */
      expiresAt: string;
    }
  | { type: 'invite.received'; id: string; invite: string }
  | { type: 'invite.respond'; id: string; invite: string; accept: boolean }
  | { type: 'invite.cancel'; id: string; invite: string }
  | { type: 'session.request'; id: string; to: string; invitationId: string };

// ---- server → client ----

export type ServerFrame =
  | { type: 'ok'; ref: string }
  | { type: 'error'; ref?: string; code: ErrorCode; message: string }
  /** The answer to `register` and `login`: keep `token`, send it in `hello` from then on. */
  | { type: 'token'; ref: string; token: string; user: string; displayName: string }
  | {
      type: 'welcome';
      ref: string;
      user: string;
      displayName: string;
      presence: OwnPresence;
      contacts: Contact[];
      offers: Offer[];
      sent: SentInvite[];
      /**
       * This node's own relay ports (optional; absent: its WebSocket relay on the port the client reached it at):
       * where the client goes when it cannot reach the relay node a grant names, since this node forwards there.
       */
      relay?: NodeRelay;
    }
  | { type: 'contact'; contact: Contact }
  | { type: 'contact.gone'; user: string }
  | { type: 'presence'; user: string; presence: PresenceState }
  | ({ type: 'invite.offer' } & Offer)
  /** To the sender: each step of an invitation it sent; `ref` on the first (`sent`). */
  | { type: 'invite.status'; ref?: string; invite: string; invitationId: string; to: string; state: InviteState; detail?: string }
  /** To the recipient's devices: the offer is no longer open (answered elsewhere, cancelled, expired). */
  | { type: 'invite.closed'; invite: string; reason: string }
  | ({ type: 'session.start'; ref?: string } & SessionGrant)
  /** The server signs this device out (password changed, logged out elsewhere): forget the token. */
  | { type: 'signed-out'; reason: string };

export interface Offer {
  readonly invite: string;
  readonly from: string;
  readonly fromName: string;
  readonly invitationId: string;
  readonly message: string;
  readonly ticket: string;
  readonly expiresAt: string;
}

export interface SentInvite {
  readonly invite: string;
  readonly invitationId: string;
  readonly to: string;
  readonly state: InviteState;
}

/** Where a node's relay listens: raw TLS on `tcpPort`, the WebSocket relay at `RELAY_PATH` on `wsPort`. */
export interface NodeRelay {
  readonly tcpPort: number;
  readonly wsPort: number;
}

/** What each side gets to meet the other: its own one-time relay token and where the relay listens. */
export interface SessionGrant {
  readonly session: string;
  readonly side: 'novice' | 'helper';
  /** The other person's user name. */
  readonly peer: string;
  readonly invitationId: string;
  readonly relay: {
    readonly token: string;
    /**
     * The relay node both sides meet at, when the messenger runs on several nodes; absent: the host this
     * client reaches the messenger at. A client that cannot reach it uses its own node, which forwards.
     */
    readonly host?: string;
    /** The raw TLS relay's port on that host; the WebSocket relay is at `RELAY_PATH` on `wsPort`. */
    readonly tcpPort: number;
    readonly wsPort: number;
  };
  /** ISO time the token stops working. */
  readonly expiresAt: string;
}

/** User names: 3–32 of a-z 0-9 . _ -, normalised (NFKC, lower case) before any check. */
export const USER_NAME = /^[a-z0-9._-]{3,32}$/;

export function normaliseUser(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase();
}
