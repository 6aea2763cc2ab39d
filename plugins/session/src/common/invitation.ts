import { token } from '@ra/kernel';

/** The signed invitation file as a transport carries it. It never holds the password. */
export interface InvitationEnvelope {
  readonly invitationId: string;
  /** e.g. `RAInvitation.msrcincident` */
  readonly fileName: string;
  readonly mediaType: string;
  readonly data: Uint8Array;
  /**
   * The same invitation as an `ra-invite:` link (about 950 characters), signed alike but without the message: for a
   * message that carries a link instead of the file. `ra open` and the helper's page open it like the file.
   */
  readonly link: string;
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

/**
 * How far an invitation got, as its transport reports it: `sent` (it left, or a server took it), `delivered` (the
 * helper's computer has it), then the helper `accepted` or `declined` it, the novice `cancelled` it, it `expired`
 * unanswered, or it `failed` on the way.
 */
export type DeliveryState = 'sent' | 'delivered' | 'accepted' | 'declined' | 'cancelled' | 'expired' | 'failed';

export const DELIVERY_STATES: readonly DeliveryState[] = ['sent', 'delivered', 'accepted', 'declined', 'cancelled', 'expired', 'failed'];

/**
 * A transport reports each step with it, during `deliver` and after (a helper may accept hours later). `detail`: a
 * short reason or note in the transport's words (`recipient-offline`). Steps back are ignored; so is every step
 * after `declined`, `cancelled`, `expired` or `failed`.
 */
export type DeliveryProgress = (state: DeliveryState, detail?: string) => void;

/** The latest step of an invitation's delivery, kept on its record. */
export interface Delivery {
  readonly transport: string;
  /** Where it went, as the receipt says once `deliver` resolved (until then, as the novice asked). */
  readonly target: string;
  readonly state: DeliveryState;
  readonly detail?: string;
  readonly at: Date;
}

/** One choice of the invite form's picker (`targets()`): an online contact, say; an offline one `disabled`, with a `note`. */
export interface TransportTarget {
  readonly value: string;
  readonly label: string;
  readonly disabled?: boolean;
  readonly note?: string;
}

/** Carries invitations from novice to helper: file, e-mail, instant messenger, a third party's own. */
export interface InvitationTransport {
  readonly id: string;
  readonly title: string;
  /** How the invite form asks for `target`: the field's label, and an example. */
  readonly target: TargetField;
  /**
   * Novice side: hands the invitation to `target`, whose meaning the transport documents. Resolving means it left
   * (`sent`, unless `progress` said more); `progress` reports each later step as it happens.
   */
  deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt>;
  /** Why it cannot send now (the policy or a setting forbids it, an account is not set up), in words; undefined when it can. */
  unavailable?(): string | undefined | Promise<string | undefined>;
  /** Novice side: the novice ended the invitation; withdraw it where the transport can (a pending offer). Then it reads `cancelled`. */
  cancel?(invitationId: string): Promise<void>;
  /** The targets the invite form offers in a picker instead of a text field: online contacts, say. */
  targets?(): Promise<TransportTarget[]>;
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
  /** How far its transport got it; none for one still being made. */
  readonly delivery?: Delivery;
  /** Its earlier deliveries, the newest last, when it was sent again. */
  readonly history?: readonly Delivery[];
}
