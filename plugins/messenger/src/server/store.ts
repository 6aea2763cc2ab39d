import type { InviteState } from '../common/protocol.js';

/**
 * Where the messenger keeps what must outlive a restart. One process uses FileStore; a later issue adds
 * Redis behind this same interface, so every method is async and every multi-key change is one call.
 */
export interface MessengerStore {
  user(name: string): Promise<UserRecord | undefined>;
  users(): Promise<UserRecord[]>;
  /** How many users there are, without reading them (the cap is checked at every registration). */
  userCount(): Promise<number>;
  /** Adds a user, with its first token when it signs in at once. Throws StoreConflict when the name is taken. */
  addUser(user: UserRecord, token?: StoredToken): Promise<void>;
  /** Replaces the password hash and revokes every token of the user but `keep`; returns the revoked ones. */
  setPassword(name: string, hash: string, keep?: string): Promise<StoredToken[]>;
  /** Removes a user with its tokens, its relations on both sides and its invitations; returns what went with it. */
  removeUser(name: string): Promise<RemovedUser | undefined>;

  token(hash: string): Promise<TokenRecord | undefined>;
  tokensOf(user: string): Promise<StoredToken[]>;
  addToken(token: StoredToken): Promise<void>;
  touchToken(hash: string, at: number): Promise<void>;
  revokeToken(hash: string): Promise<void>;
  /** Drops tokens last seen before `before`. */
  sweepTokens(before: number): Promise<number>;

  /** `owner`'s relations, by the other user's name. */
  relations(owner: string): Promise<ReadonlyMap<string, RelationRecord>>;
  relation(owner: string, other: string): Promise<RelationRecord | undefined>;
  /** Applies all changes or none; `undefined` removes the relation. */
  setRelations(changes: readonly RelationChange[]): Promise<void>;

  invite(id: string): Promise<InviteRecord | undefined>;
  /** Invitations from or to `user`. */
  invitesOf(user: string): Promise<InviteRecord[]>;
  allInvites(): Promise<InviteRecord[]>;
  /** How many invitations there are and the bytes of their tickets, without reading them. */
  inviteTotals(): Promise<{ count: number; bytes: number }>;
  addInvite(invite: InviteRecord): Promise<void>;
  /** Moves an invitation to `state` only when it is in one of `from` (the first answer wins); the new record, or undefined. */
  moveInvite(id: string, from: readonly InviteState[], state: InviteState): Promise<InviteRecord | undefined>;
  removeInvite(id: string): Promise<void>;

  close(): Promise<void>;
}

export interface UserRecord {
  readonly name: string;
  readonly displayName: string;
  /** `scrypt$N$r$p$salt$hash`. */
  readonly hash: string;
  readonly created: number;
}

/** A signed-in device. Only the SHA-256 of its token is kept. */
export interface TokenRecord {
  readonly user: string;
  readonly device: string;
  readonly created: number;
  readonly lastSeen: number;
}

export interface StoredToken extends TokenRecord {
  readonly hash: string;
}

/** One side's view of a pair. `blocked` sits beside the state, so unblocking gives the relation back. */
export interface RelationRecord {
  readonly state?: 'mutual' | 'asked' | 'asking';
  readonly blocked?: boolean;
}

export interface RelationChange {
  readonly owner: string;
  readonly other: string;
  readonly value: RelationRecord | undefined;
}

export interface InviteRecord {
  /** The server's id of this delivery. */
  readonly id: string;
  /** The RA invitation it carries. */
  readonly invitationId: string;
  readonly from: string;
  readonly to: string;
  /** The signed invitation file, base64. */
  readonly ticket: string;
  readonly message: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
  readonly created: number;
  readonly state: InviteState;
}

export interface RemovedUser {
  readonly user: UserRecord;
  readonly tokens: StoredToken[];
  /** Who had a relation with the user. */
  readonly others: string[];
  readonly invites: InviteRecord[];
}

/** The name is taken, or a record already exists. */
export class StoreConflict extends Error {}

/** The store could not save a change; the change was undone and nothing else was lost. */
export class StoreWriteError extends Error {}

/** The store (Redis) cannot be reached just now: nothing changed; the node refuses new work until it is back. */
export class StoreUnavailable extends Error {}

export const OPEN_INVITE: readonly InviteState[] = ['sent', 'delivered'];
