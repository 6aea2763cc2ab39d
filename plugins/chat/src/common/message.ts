import type { Role } from '@ra/kernel';

/** One chat message as both the API and the panel see it; `sentAt` is an ISO time from this computer's clock. */
export interface ChatMessage {
  readonly id: string;
  /** The sender's name as this session knows it. */
  readonly from: string;
  readonly role: Role;
  readonly text: string;
  readonly sentAt: string;
}
