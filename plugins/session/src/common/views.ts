import type { Role } from '@ra/kernel';
import type { InvitationRecord } from './api.js';

/** Wrong passwords (and unfinished proofs) an invitation survives; the fifth locks it. */
export const MAX_PASSWORD_ATTEMPTS = 5;

/** Where a session stands, as both UIs and the CLI show it. */
export type SessionState = 'connecting' | 'verifying' | 'awaiting-consent' | 'open' | 'ended';

export type EndedBy = 'novice' | 'helper' | 'network';

export interface SessionView {
  readonly id: string;
  readonly invitationId: string;
  /** The side this machine plays. */
  readonly role: Role;
  /** The other person: the helper's name on the novice's side, the novice's on the helper's. */
  readonly peerName: string;
  /** This side's own name, as the other side sees it. */
  readonly localName: string;
  /** Where the other side connects from (novice) or was reached at (helper): the name alone is only what they typed. */
  readonly peerAddress: string;
  readonly state: SessionState;
  /** What the helper may do now: `view` once the novice accepted, then each consent scope granted since (`control`, `voice`, `files`). */
  readonly rights: readonly string[];
  /** Six digits both people can compare by phone, once the password proof is done. */
  readonly safetyCode?: string;
  readonly endedBy?: EndedBy;
  readonly reason?: string;
  readonly startedAt: string;
  /** When the novice's Accept let the helper in; never for a refused or abandoned attempt. */
  readonly openedAt?: string;
}

/** JSON record of an invitation as the API sends it (dates as ISO strings). */
export type InvitationView = Omit<InvitationRecord, 'createdAt' | 'expiresAt'> & { createdAt: string; expiresAt: string };

/** Text messages on the live socket; binary messages carry channel frames (see `live-frame.ts`). */
export type LiveEvent =
  { readonly type: 'sessions'; readonly sessions: readonly SessionView[] } | { readonly type: 'invitations'; readonly invitations: readonly InvitationView[] };

/** One line about a session: `Session 4f2a with Ann: awaiting-consent; safety code 123456`. */
export function describeSession(s: SessionView): string {
  const code = s.safetyCode && s.state !== 'ended' ? `; safety code ${s.safetyCode}` : '';
  const end = s.state === 'ended' ? ` ${ending(s)}` : '';
  return `Session ${s.id} with ${s.peerName}: ${s.state}${end}${code}`;
}

/** Who ended a session and why, or nothing while it runs. */
export function ending(s: SessionView): string {
  if (s.state !== 'ended') return '';
  return `${s.endedBy ? `by ${s.endedBy}` : ''}${s.reason ? `${s.endedBy ? ': ' : ''}${s.reason}` : ''}`;
}
