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
