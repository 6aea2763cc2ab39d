import { token } from '@ra/kernel';

/** The signed invitation file as a transport carries it. It never holds the password. */
export interface InvitationEnvelope {
  readonly ticketId: string;
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
  /** Novice side: hands the invitation to `target`, whose meaning the transport documents. */
  deliver(envelope: InvitationEnvelope, target: string): Promise<DeliveryReceipt>;
  /** Helper side: fetches the invitation bytes from `source`; `receive(receipt.target)` gives back what was delivered. Transports that only send omit it. */
  receive?(source: string): Promise<Uint8Array>;
}

export const InvitationTransport = token<InvitationTransport>('InvitationTransport');

/** `locked`: too many wrong passwords. Only `open` can start a session. */
export type InvitationStatus = 'open' | 'expired' | 'deleted' | 'locked';

export interface InvitationRecord {
  readonly ticketId: string;
  readonly noviceName: string;
  readonly message: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly passwordRequired: boolean;
  /** As stored; an `open` record past `expiresAt` is reported `expired`. */
  readonly status: InvitationStatus;
  readonly failedAttempts: number;
}
