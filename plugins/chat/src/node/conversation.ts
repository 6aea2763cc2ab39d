import { randomUUID } from 'node:crypto';
import { ApiError, type Logger, type Role } from '@ra/kernel';
import { type ChannelEndpoint, type ChannelLink, type SessionInfo } from '@ra/plugin-session/api';
import { MAX_HISTORY, type ChatMessage } from '../common/message.js';
import { decodeMessage, encodeMessage } from './frame.js';
import { chatTextProblem } from './message-text.js';
import { describeLimit, RateLimit, type Limit } from '@ra/kernel';

/** Own messages beyond this are refused: more than anyone types, far fewer than a runaway script sends. */
export const SEND_LIMIT: Limit = { max: 20, windowMs: 10_000 };

/** Peer frames beyond this are dropped: twice what an honest peer allows itself, so network jitter never costs a message. */
export const PEER_LIMIT: Limit = { max: 40, windowMs: 10_000 };

/** One session's chat on this side: its last MAX_HISTORY messages, kept until the session ends, each told to `recorded`. */
export class Conversation implements ChannelEndpoint {
  private readonly messages: ChatMessage[] = [];
  private readonly ids = new Set<string>();
  private readonly sendLimit = new RateLimit(SEND_LIMIT, this.now);
  private readonly peerLimit = new RateLimit(PEER_LIMIT, this.now);
  /** Set while the peer floods, so a flood costs one log line, not one per frame. */
  private flooding = false;
  private ended = false;

  constructor(
    private readonly session: SessionInfo,
    private readonly link: ChannelLink,
    private readonly logger: Logger,
    private readonly recorded: (message: ChatMessage) => void,
    private readonly now: () => number = Date.now,
  ) {}

  history(): ChatMessage[] {
    return [...this.messages];
  }

  /** Records this side's message and sends it to the peer; refuses it with the reason the person should read. */
  send(text: unknown): ChatMessage {
    const problem = chatTextProblem(text);
    if (problem) throw new ApiError(400, problem);
    if (!this.sendLimit.take()) throw new ApiError(429, `too many chat messages: at most ${describeLimit(SEND_LIMIT, 'messages')}; wait a moment`);
    const id = randomUUID();
    // Sent before it is kept: a message the peer never got must not show on this side.
    this.link.send(encodeMessage({ id, text: text as string }));
    this.link.note('sent', { text: text as string });
    return this.record(id, this.session.localName, this.session.role, text as string);
  }

  /** A peer's frame: recorded when it is a good message, otherwise dropped with a log line. Never throws. */
  receive(payload: string | Uint8Array): void {
    if (this.ended) return;
    if (!this.peerLimit.take()) return this.flood();
    this.flooding = false;
    try {
      const { id, text } = decodeMessage(payload);
      if (this.ids.has(id)) throw new Error(`a message with the id ${id}, which is already taken`);
      this.record(id, this.session.peerName, peerOf(this.session.role), text);
      this.link.note('received', { text });
    } catch (e) {
      this.logger.warn(`chat in session ${this.session.id}: dropped ${(e as Error).message} from ${this.session.peerName}`);
    }
  }

  dispose(): void {
    this.ended = true;
    this.messages.length = 0;
    this.ids.clear();
  }

  private record(id: string, from: string, role: Role, text: string): ChatMessage {
    // Each side stamps the time from its own clock: a peer's wrong or hostile clock cannot misdate a message.
    const message: ChatMessage = { id, from, role, text, sentAt: new Date(this.now()).toISOString() };
    this.messages.push(message);
    this.ids.add(id);
    // The oldest drops off, its id too: only ids still kept are checked against reuse.
    if (this.messages.length > MAX_HISTORY) this.ids.delete(this.messages.shift()!.id);
    this.recorded(message);
    return message;
  }

  private flood(): void {
    if (!this.flooding)
      this.logger.warn(
        `chat in session ${this.session.id}: ${this.session.peerName} sent more than ${describeLimit(PEER_LIMIT, 'frames')}; dropping them until they slow down`,
      );
    this.flooding = true;
  }
}

function peerOf(role: Role): Role {
  return role === 'novice' ? 'helper' : 'novice';
}
