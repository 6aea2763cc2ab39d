import type { Role } from '@ra/kernel';
import type { InvitationStatus } from '@ra/plugin-session/api';

/** The local API's JSON shapes the CLI reads; dates arrive as ISO strings. */
export interface InvitationView {
  readonly ticketId: string;
  readonly noviceName: string;
  readonly message: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly passwordRequired: boolean;
  readonly status: InvitationStatus;
  readonly failedAttempts: number;
}

/** `POST /api/invitations`: the record, and the transport's DeliveryReceipt saying where it went. */
export interface InviteResult {
  readonly invitation: InvitationView;
  readonly receipt: { readonly transport: string; readonly target: string; readonly deliveredAt: string };
}

export interface SessionView {
  readonly id: string;
  readonly ticketId: string;
  readonly role: Role;
  readonly peerName: string;
  readonly state: 'connecting' | 'verifying' | 'awaiting-consent' | 'open' | 'ended';
  readonly safetyCode?: string;
  readonly endedBy?: 'novice' | 'helper' | 'network';
  readonly reason?: string;
  readonly startedAt: string;
}
