import { token } from '@ra/kernel';

/** The signed invitation file as a transport carries it. It never holds the password. */
export interface InvitationEnvelope {
  readonly invitationId: string;
  /** e.g. `RAInvitation.msrcincident` */
  readonly fileName: string;
  readonly mediaType: string;
  readonly data: Uint8Array;
  readonly noviceName: string;
  readonly message: string;
  readonly expiresAt: Date;
  readonly passwordRequired: boolean;
}

export interface DeliveryReceipt {
  readonly transport: string;
  /** Where it went, in the transport's own terms: a path, an address, a contact. */
  readonly target: string;
  readonly deliveredAt: Date;
}

/** Invitations are small; anything larger is refused before parsing. */
export const MAX_INVITATION_BYTES = 64 * 1024;

/** Carries invitations from novice to helper: file, e-mail, instant messenger, a third party's own. */
export interface InvitationTransport {
  readonly id: string;
  readonly title: string;
  /** How the invite form asks for `target`: the field's label, and an example. */
  readonly target: TargetField;
  /** Novice side: hands the invitation to `target`, whose meaning the transport documents. */
  deliver(envelope: InvitationEnvelope, target: string): Promise<DeliveryReceipt>;
  /** Helper side: whether `source` (a path, an address) is something `receive` can fetch. Transports that only send omit both. */
  accepts?(source: string): boolean;
  /** Helper side: fetches the invitation bytes from `source`; `receive(receipt.target)` gives back what was delivered. */
  receive?(source: string): Promise<Uint8Array>;
}

/** The transport's own field in the invite form. */
export interface TargetField {
  readonly label: string;
  readonly placeholder?: string;
  /** The target may not be left empty (an address to send to); a transport with a default says false. */
  readonly required?: boolean;
  /** What an empty target means (a folder, say), shown filled in so nobody has to type it. */
  readonly default?: string;
}

export const InvitationTransport = token<InvitationTransport>('InvitationTransport');

/** `locked`: too many wrong passwords. Only `open` can start a session. */
export type InvitationStatus = 'open' | 'expired' | 'deleted' | 'locked';

export interface InvitationRecord {
  readonly invitationId: string;
  readonly noviceName: string;
  readonly message: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly passwordRequired: boolean;
  /** As stored; an `open` record past `expiresAt` is reported `expired`. */
  readonly status: InvitationStatus;
  readonly failedAttempts: number;
  /** When it stopped letting anyone in: expired early, deleted, locked, or its expiry for one that ran out. */
  readonly endedAt?: Date;
  /** When the latest wrong password was tried. */
  readonly lastFailedAt?: Date;
}
