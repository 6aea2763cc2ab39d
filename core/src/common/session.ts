import type { Disposable } from './disposable.js';
import { token } from './token.js';

export type Role = 'novice' | 'helper';

export interface SessionInfo {
  readonly id: string;
  readonly ticketId: string;
  /** The side this process plays in the session. */
  readonly role: Role;
  readonly peerName: string;
  /** This side's own name, as the other side sees it. */
  readonly localName: string;
}

/** The outbound half of a channel: what a channel plugin may send to its peer. */
export interface ChannelLink {
  send(payload: Uint8Array | string): void;
  close(reason: string): void;
}

/** The inbound half: the session hands each frame of this channel to `receive`, which never throws on a peer's frame. */
export interface ChannelEndpoint extends Disposable {
  receive(payload: Uint8Array | string): void;
}

/** A named stream inside a session: chat, control, file transfer. */
export interface SessionChannel {
  readonly id: string;
  readonly title: string;
  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint | Promise<ChannelEndpoint>;
}

export type MediaKind = 'audio' | 'video';

/** Real-time media (voice, later video); negotiated over its link, carried however the plugin chooses. */
export interface MediaChannel extends SessionChannel {
  readonly kind: MediaKind;
}

export const SessionChannel = token<SessionChannel>('SessionChannel');
export const MediaChannel = token<MediaChannel>('MediaChannel');
