import { token, type Disposable, type Role } from '@ra/kernel';

export interface SessionInfo {
  readonly id: string;
  readonly invitationId: string;
  /** The side this process plays in the session. */
  readonly role: Role;
  readonly peerName: string;
  /** This side's own name, as the other side sees it. */
  readonly localName: string;
  /** Set when the helper offered help unasked, certified by the novice's organisation. */
  readonly certified?: Certified;
}

/** A helper whose organisation's CA vouches for them: what their certificate says, checked by the novice's RA. */
export interface Certified {
  /** As the novice reads it: `alice (helpdesk, Example Org)`. */
  readonly title: string;
  readonly org: string;
  readonly groups: readonly string[];
  /** The certificate's serial, which a revocation names. */
  readonly serial: string;
  /** Why the novice's policy lets this helper only watch; unset when control may be asked for. */
  readonly controlForbidden?: string;
}

/** A step of the novice's consent to what a channel asks for. */
export type ConsentStep = 'requested' | 'granted' | 'revoked';

/** The outbound half of a channel: what a channel plugin may send to its peer. */
export interface ChannelLink {
  /**
   * To the peer. A media channel's binary frame (its media) is dropped when the path is down or lags: late audio is
   * worse than none. Text frames always arrive, once and in order, across a resume: a media channel's messages too.
   */
  send(payload: Uint8Array | string): void;
  /** To this side's pages (every console showing the session), on this channel. */
  toPage(payload: Uint8Array | string): void;
  /** Bytes handed to the connection and not yet sent: a sender that produces faster than the peer reads stops adding at its own mark. */
  readonly buffered: number;
  /** Calls `listener` each time the connection has sent what was buffered; the Disposable stops it. */
  onDrain(listener: () => void): Disposable;
  close(reason: string): void;
  /** Tells the session the novice was asked, said yes, or took it back; it fires the consent hooks with the channel's scope. */
  consent(step: ConsentStep, reason?: string): void;
  /** Tells the session's record what happened on this channel (a chat message sent or received); the `sessionNote` hook carries it. */
  note(event: string, data?: NoteData): void;
}

/** What a note says beside its event: plain values, which a session log keeps or leaves out as its policy says. */
export type NoteData = Readonly<Record<string, string | number | boolean>>;

/** The inbound half: the session hands each frame of this channel to `receive`, which never throws on a peer's frame. */
export interface ChannelEndpoint extends Disposable {
  receive(payload: Uint8Array | string): void;
  /**
   * A frame this side's page posted on the channel. Without it the session sends the page's frames straight to the
   * peer; a media channel's page frames reach only this, so the endpoint decides what goes out (no audio before a Yes).
   */
  fromPage?(payload: Uint8Array | string): void;
  /** The novice takes back what this channel's consent granted (Stop Control in the session bar or on the desktop); the session goes on. */
  revoke?(reason: string): void;
  /**
   * The session's path dropped and RA is getting it back (docs/architecture.md, "Sessions resume"): on both
   * sides, end what was granted or asked over the lost path (Take Control does not survive a drop). Frames
   * sent meanwhile are kept and arrive after the resume; a consent still granted after this is taken back.
   */
  pathLost?(reason: string): void;
  /** This side is ending the session: a frame sent now still reaches the peer, just before the goodbye. */
  ending?(): void;
}

/** A named stream inside a session: chat, control, file transfer, voice. */
export interface SessionChannel {
  readonly id: string;
  readonly title: string;
  /** The largest frame either side may send on this channel; the session drops a larger one from the peer, and from the page. */
  readonly maxFrameBytes: number;
  /** The consent scope this channel asks the novice for (e.g. `control`); the consent hooks carry it. */
  readonly consentScope?: string;
  /**
   * `live` makes it a media channel (voice): its binary frames are not kept for a resume and are dropped, not queued,
   * while the path is down or lags (its text frames arrive as any channel's); the session passes nothing between its
   * page and the peer (`fromPage`, `link.toPage`).
   * `reliable`, the default: every frame arrives once, in order, across a resume; the peer's frames also go to the page.
   */
  readonly delivery?: 'reliable' | 'live';
  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint | Promise<ChannelEndpoint>;
}

export const SessionChannel = token<SessionChannel>('SessionChannel');

/** A session channel for live media (`delivery: 'live'`): the session's media extension point, which voice contributes to. */
export interface MediaChannel extends SessionChannel {
  readonly delivery: 'live';
  readonly consentScope: string;
}
