import type { Role } from '@ra/kernel';
import type { Certified, Delivery, InvitationRecord, TargetField } from './api.js';

/** Wrong passwords (and unfinished proofs) an invitation survives; the fifth locks it. */
export const MAX_PASSWORD_ATTEMPTS = 5;

/** Where a session stands, as both UIs and the CLI show it. */
export type SessionState = 'connecting' | 'verifying' | 'awaiting-consent' | 'open' | 'ended';

/** `refused`: the novice's computer turned the helper away (a wrong password, an expired invitation): no person ended it. */
export type EndedBy = 'novice' | 'helper' | 'network' | 'refused';

/** What a path to the novice is: a connection straight between the two computers, or one a relay carries. */
export type PathKind = 'direct' | 'relayed';

/** The path a session runs over. `via`: the address reached (direct) or the relay that carries it (relayed). */
export interface SessionPath {
  readonly kind: PathKind;
  readonly via: string;
}

/** The invitation id a helper's offer goes by, before and instead of an invitation. */
export const OFFER_SESSION = 'offer';

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
  /** The helper offered help unasked, certified by the novice's organisation: what the certificate says. */
  readonly certified?: Certified;
  readonly state: SessionState;
  /** What the helper may do now: `view` once the novice accepted, then each consent scope granted since (`control`, `voice`, `files`). */
  readonly rights: readonly string[];
  /** Six digits both people can compare by phone, once the password proof is done. */
  readonly safetyCode?: string;
  /** How the two computers are connected, once they are. */
  readonly path?: SessionPath;
  /**
   * While an open session's path is down and RA is getting it back: since when (ISO), why it dropped, and why
   * the helper's last attempt to reach the novice again failed, if one did.
   */
  readonly reconnecting?: { readonly since: string; readonly reason: string; readonly attempt?: string };
  readonly endedBy?: EndedBy;
  readonly reason?: string;
  readonly startedAt: string;
  /** When the novice's Accept let the helper in; never for a refused or abandoned attempt. */
  readonly openedAt?: string;
}

/** JSON record of an invitation as the API sends it (dates as ISO strings). */
export type DeliveryView = Omit<Delivery, 'at'> & { at: string };

/** `GET /api/transports`: each enabled transport and its field in the invite form. */
export interface TransportView {
  readonly id: string;
  readonly title: string;
  readonly target: TargetField;
  /** It fetches invitations for `ra open` too. */
  readonly opens: boolean;
  /** Its targets are picked from a list (`GET /api/transports/:id/targets`), not typed. */
  readonly picker: boolean;
  /** Why it cannot send now, in its own words; the form shows it greyed with this. */
  readonly unavailable?: string;
}

export type InvitationView = Omit<InvitationRecord, 'createdAt' | 'expiresAt' | 'endedAt' | 'lastFailedAt' | 'delivery' | 'history'> & {
  createdAt: string;
  expiresAt: string;
  endedAt?: string;
  lastFailedAt?: string;
  delivery?: DeliveryView;
  history?: readonly DeliveryView[];
};

/** Text messages on the live socket; binary messages carry channel frames (see `live-frame.ts`). */
export type LiveEvent =
  { readonly type: 'sessions'; readonly sessions: readonly SessionView[] } | { readonly type: 'invitations'; readonly invitations: readonly InvitationView[] };

/** One line about a session: `Session 4f2a with Ann: awaiting-consent; safety code 123456`. */
export function describeSession(s: SessionView): string {
  const code = s.safetyCode && s.state !== 'ended' ? `; safety code ${s.safetyCode}` : '';
  const end = s.state === 'ended' ? ` ${ending(s)}` : '';
  return `Session ${s.id} with ${s.peerName}: ${s.state}${end}${code}`;
}

/** The path as both consoles and `ra sessions list` name it: "Direct connection", "Relayed through msg.example.org". */
export function pathText(path: SessionPath): string {
  return path.kind === 'direct' ? 'Direct connection' : `Relayed through ${path.via}`;
}

/** " (sent 3 times)" after the delivery of an invitation that was sent again; nothing for one sent once. */
export function timesSent(history: readonly unknown[] | undefined): string {
  return history?.length ? ` (sent ${history.length + 1} times)` : '';
}

/** How far an invitation got, in a few words: "Delivered to hank", "hank accepted", "Could not reach hank: offline". */
export function deliveryText(delivery: Pick<Delivery, 'transport' | 'state' | 'target' | 'detail'>): string {
  if (delivery.transport === DOWNLOAD) return `Downloaded as ${delivery.target}`;
  const to = delivery.target || 'the helper';
  const words: Record<Delivery['state'], string> = {
    sent: `Sent to ${to}`,
    delivered: `Delivered to ${to}`,
    accepted: `${capitalized(to)} accepted`,
    declined: `${capitalized(to)} declined`,
    cancelled: `Cancelled for ${to}`,
    expired: `Expired before ${to} answered`,
    failed: `Could not reach ${to}`,
  };
  return `${words[delivery.state] ?? delivery.state}${delivery.detail ? `: ${delivery.detail}` : ''}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Who ended a session and why, or nothing while it runs. */
export function ending(s: SessionView): string {
  if (s.state !== 'ended') return '';
  const reason = s.reason ?? '';
  if (s.endedBy === 'refused') return `${s.role === 'helper' ? `${s.peerName}'s computer` : 'this computer'} refused the connection${reason && `: ${reason}`}`;
  if (s.endedBy === 'network' || !s.endedBy) return reason || 'it ended';
  return `by ${s.endedBy}${reason && `: ${reason}`}`;
}

/** A moment in the reader's own time zone, to the minute: `4 Dec 2026, 14:05`. Never ISO or UTC. */
export function readableTime(at: string | Date): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** How long ago, in words that read the same in every time zone: a novice's computer tells a helper anywhere. */
export function ago(at: string | Date, now = Date.now()): string {
  const minutes = Math.round((now - new Date(at).getTime()) / 60_000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (minutes < 1) return 'just now';
  if (minutes < 120) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  return hours < 48 ? plural(hours, 'hour') : plural(Math.round(hours / 24), 'day');
}

/** The `via` that hands the invitation file back to the page for the browser's own download. */
export const DOWNLOAD = 'download';

/** Lifetimes the invite form offers, those within the cap. */
export const LIFETIMES: readonly (readonly [value: string, label: string])[] = [
  ['30m', '30 minutes'],
  ['1h', '1 hour'],
  ['2h', '2 hours'],
  ['6h', '6 hours'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
];

/** Whose cap holds an invitation's lifetime: the organization's policy file, the user's setting, or RA's own limit. */
export type CapBy = 'policy' | 'setting' | 'default';

/** `GET /api/invitations/options`: what the invite form may offer now. */
export interface InviteOptions {
  /** Why no invitation can be made now, if so. */
  readonly off?: string;
  readonly lifetimes: readonly { readonly value: string; readonly label: string }[];
  readonly defaultLifetime: string;
  /** The cap in words: `6 hours`. */
  readonly max: string;
  readonly capBy: CapBy;
}

/** `POST /api/invitations/preview`: what an invitation says, checked (signature, key) before anything connects. */
export interface InvitationPreview {
  readonly noviceName: string;
  readonly message: string;
  readonly expiresAt: string;
  readonly expired: boolean;
  readonly passwordRequired: boolean;
  readonly addresses: readonly string[];
}
