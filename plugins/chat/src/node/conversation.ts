import { randomUUID } from 'node:crypto';
import { ApiError, type ChannelEndpoint, type ChannelLink, type Logger, type Role, type SessionInfo } from '@ra/kernel';
import type { ChatMessage } from '../common/message.js';
import { decodeMessage, encodeMessage } from './frame.js';
import { chatTextProblem } from './message-text.js';
import { RateLimit } from './rate-limit.js';

/** Own messages beyond this are refused: more than anyone types, far fewer than a runaway script sends. */
export const SEND_LIMIT = { max: 20, windowMs: 10_000 } as const;

/** Peer frames beyond this are dropped: twice what an honest peer allows itself, so network jitter never costs a message. */
export const PEER_LIMIT = { max: 40, windowMs: 10_000 } as const;

/** One session's chat on this side: the whole history, kept until the session ends. */
export class Conversation implements ChannelEndpoint {
  private readonly messages: ChatMessage[] = [];
  private readonly ids = new Set<string>();
  private readonly sendLimit: RateLimit;
  private readonly peerLimit: RateLimit;
  /** Set while the peer floods, so a flood costs one log line, not one per frame. */
  private flooding = false;
  private ended = false;

  constructor(
    private readonly session: SessionInfo,
    private readonly link: ChannelLink,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.sendLimit = new RateLimit(SEND_LIMIT.max, SEND_LIMIT.windowMs, now);
    this.peerLimit = new RateLimit(PEER_LIMIT.max, PEER_LIMIT.windowMs, now);
  }

  history(): ChatMessage[] {
    return [...this.messages];
  }

  /** Records this side's message and sends it to the peer; refuses it with the reason the person should read. */
  send(text: unknown): ChatMessage {
    const problem = chatTextProblem(text);
    if (problem) throw new ApiError(400, problem);
    if (!this.sendLimit.take()) throw new ApiError(429, `too many chat messages: at most ${this.sendLimit}; wait a moment`);
    const message = this.record(randomUUID(), this.session.localName, this.session.role, text as string);
    this.link.send(encodeMessage(message));
    return message;
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
    return message;
  }

  private flood(): void {
    if (!this.flooding) this.logger.warn(`chat in session ${this.session.id}: ${this.session.peerName} sent more than ${this.peerLimit} frames; dropping them until they slow down`);
    this.flooding = true;
  }
}

function peerOf(role: Role): Role {
  return role === 'novice' ? 'helper' : 'novice';
}
