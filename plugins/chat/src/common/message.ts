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

/** What `/api/chat/live` pushes: one message, this side's or the peer's, of one session. */
export interface LiveMessage {
  readonly sessionId: string;
  readonly message: ChatMessage;
}

/** Each side keeps, and each panel shows, only a session's last this many messages, so a long or hostile chat cannot grow without bound. */
export const MAX_HISTORY = 500;
