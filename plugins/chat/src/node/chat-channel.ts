import { ApiError, toDisposable, type Disposable, type Logger } from '@ra/kernel';
import { type ChannelEndpoint, type ChannelLink, type SessionChannel, type SessionInfo } from '@ra/plugin-session/api';
import type { LiveMessage } from '../common/message.js';
import { Conversation } from './conversation.js';
import { MAX_FRAME_BYTES } from './frame.js';

/** The `chat` channel: one Conversation per open session, found by the API through the session id. */
export class ChatChannel implements SessionChannel {
  readonly id = 'chat';
  readonly title = 'Chat';
  readonly maxFrameBytes = MAX_FRAME_BYTES;
  private readonly conversations = new Map<string, Conversation>();
  private readonly listeners = new Set<(live: LiveMessage) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    const recorded = (message: LiveMessage['message']) => this.listeners.forEach((l) => l({ sessionId: session.id, message }));
    const conversation = new Conversation(session, link, this.logger, recorded, this.now);
    this.conversations.set(session.id, conversation);
    return {
      receive: (payload) => conversation.receive(payload),
      dispose: () => {
        if (this.conversations.get(session.id) === conversation) this.conversations.delete(session.id);
        conversation.dispose();
      },
    };
  }

  /** The open session's conversation on this computer; 404 for any other id. */
  conversation(sessionId: string): Conversation {
    const conversation = this.conversations.get(sessionId);
    if (!conversation) throw new ApiError(404, `no open session '${sessionId}' to chat in on this computer`);
    return conversation;
  }

  /** Every message still kept, of every open session, oldest first within each. */
  kept(): LiveMessage[] {
    return [...this.conversations].flatMap(([sessionId, c]) => c.history().map((message) => ({ sessionId, message })));
  }

  /** Hears each message as it is recorded, this side's and the peer's alike. */
  onMessage(listener: (live: LiveMessage) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }
}
