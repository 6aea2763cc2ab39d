import { randomUUID } from 'node:crypto';
import { ApiError, type Logger, type Role } from '@ra/kernel';
import type { Certified, ChannelEndpoint, ChannelLink, ConsentStep, NoteData, SessionChannel, SessionInfo } from '../../common/api.js';
import type { EndedBy, SessionPath, SessionState, SessionView } from '../../common/views.js';
import { FrameKind, HANDSHAKE_FRAME_BYTES, isLive, MAX_FRAME_BYTES, type Frame } from '../wire/framing.js';
import { HeldFrames } from '../wire/held.js';
import type { Wire } from '../wire/wire.js';
import { Journal } from './journal.js';
import { MAX_RESUME_FAILURES, RESUME_MS, ResumeRefused, type ResumeKeys } from './resume.js';

/** How often each side tells the other how many channel frames it received, so the other's journal stays small. */
const ACK_MS = 250;
const ACK_BYTES = 256 * 1024;
/** A media frame is sent only while less than this waits on the connection: 0.2 s of a 2.5 Mbit/s link. */
export const LIVE_BACKLOG_BYTES = 64 * 1024;

/**
 * The pause after a failed attempt to resume: 500 ms for the first four (most paths are back within a few
 * seconds), then doubling to 4 s, so a route that asks a server each time (the messenger's rate of session
 * requests) is not spent on a path that stays down.
 */
function retryMs(attempt: number): number {
  return attempt < 4 ? 500 : Math.min(500 * 2 ** (attempt - 3), 4000);
}

/** The helper's way back to the novice after the path dropped: a new wire, checked, and how many frames the novice had. */
export type Reconnect = (signal: AbortSignal) => Promise<{ wire: Wire; path: SessionPath; received: number }>;

export interface SessionEvents {
  changed(session: Session): void;
  /** A channel frame from the peer, for the local UI. */
  frame(session: Session, channel: string, payload: string | Uint8Array): void;
  opened(session: Session): void;
  ended(session: Session): void;
  consent(session: Session, scope: string, step: ConsentStep, reason?: string): void;
  note(session: Session, channel: string, event: string, data: NoteData): void;
}

/** One novice–helper session, from the first connection attempt until it ends. */
export class Session {
  readonly id = randomUUID();
  readonly startedAt = new Date();
  private state: SessionState = 'connecting';
  private wire?: Wire;
  private safetyCode?: string;
  private path?: SessionPath;
  private endedBy?: EndedBy;
  private reason?: string;
  private openedAt?: string;
  private readonly endpoints = new Map<string, ChannelEndpoint>();
  /** Each open channel's own frame limit. */
  private readonly limits = new Map<string, number>();
  /** The media channels (`delivery: 'live'`): their binary frames skip the journal and are dropped, not queued, when the path lags. */
  private readonly live = new Set<string>();
  /** Each open channel's consent scope, and the scopes the novice has granted and not taken back. */
  private readonly scopes = new Map<string, string>();
  private readonly granted = new Set<string>();
  /** The peer's frames while this side's channels open; released once they are up. */
  private held: HeldFrames | undefined = new HeldFrames(1024, 2 * MAX_FRAME_BYTES);
  /** What this side sent and the peer has not acknowledged, and how many frames this side received. */
  private readonly journal = new Journal();
  private received = 0;
  private acked = 0;
  private unackedBytes = 0;
  private ackTimer?: NodeJS.Timeout;
  private frameLimit = HANDSHAKE_FRAME_BYTES;
  private readonly drains = new Set<() => void>();
  /** Set once the password proof passed: the session may then resume after its path drops. */
  private keys?: ResumeKeys;
  private reconnect?: Reconnect;
  /** While the path is down: since when, why, and what gives up. */
  private outage?: { since: string; reason: string; attempt?: string; timer: NodeJS.Timeout; abort: AbortController };
  private resumeFailures = 0;

  constructor(
    readonly invitationId: string,
    readonly role: Role,
    private peer: string,
    readonly localName: string,
    private readonly peerAddress: string,
    private readonly events: SessionEvents,
    private readonly logger: Logger,
    private readonly resumeMs = RESUME_MS,
    readonly certified?: Certified,
  ) {}

  get info(): SessionInfo {
    const { id, invitationId, role, peer: peerName, localName, certified } = this;
    return { id, invitationId, role, peerName, localName, ...(certified && { certified }) };
  }

  get current(): SessionState {
    return this.state;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  view(): SessionView {
    const { id, invitationId, role, peer: peerName, localName, peerAddress, certified, state, safetyCode, path, endedBy, reason, openedAt } = this;
    const rights = state === 'open' ? ['view', ...this.granted] : [];
    const startedAt = this.startedAt.toISOString();
    const reconnecting = this.outage && state === 'open' ? { since: this.outage.since, reason: this.outage.reason, attempt: this.outage.attempt } : undefined;
    return {
      id,
      invitationId,
      role,
      peerName,
      localName,
      peerAddress,
      certified,
      state,
      rights,
      safetyCode,
      path,
      endedBy,
      reason,
      startedAt,
      openedAt,
      reconnecting,
    };
  }

  /** The id a resuming helper names this session by; set once the password proof passed. */
  get resumeId(): string | undefined {
    return this.keys?.id;
  }

  get resumeKeys(): ResumeKeys | undefined {
    return this.keys;
  }

  /** The password proof passed: from now on a dropped path is resumed (the helper's side dials again with `reconnect`). */
  resumable(keys: ResumeKeys, reconnect?: Reconnect): void {
    this.keys = keys;
    this.reconnect = reconnect;
  }

  /** The connection is up, over `path`, and the password proof is under way. */
  verifying(wire: Wire, path: SessionPath): void {
    this.use(wire, path);
    this.move('verifying');
  }

  /**
   * The session goes on over a new path: the peer received `received` of this side's frames, so the
   * rest are sent again; consent granted before the drop was taken back at the drop.
   */
  resumeOn(wire: Wire, path: SessionPath, received: number): void {
    const replay = this.journal.after(received);
    if (this.state !== 'open' || !replay) {
      const why =
        this.state !== 'open' ? `this session is ${this.state}` : 'more was sent while the connection was down than this computer keeps to send again';
      wire.close(why, { t: 'bye', by: 'system', reason: why });
      if (replay) return;
      return this.end('network', `the connection was lost and the session could not be resumed: ${why}`);
    }
    const old = this.wire;
    const noticed = this.outage !== undefined;
    this.use(wire, path);
    old?.close('the session moved to a new connection');
    this.endOutage(replay.length);
    wire.openFrames(this.frameLimit);
    wire.onFrame((frame) => this.route(frame));
    for (const entry of replay) wire.sendChannel(entry.channel, entry.payload);
    // The peer lost the path before this side saw it: what must not span a drop ends here too, before any new frame is read.
    if (!noticed) this.lose(`the ${this.role === 'novice' ? 'helper' : 'novice'}'s computer lost the connection and came back on a new one`);
    this.startAcks();
    this.events.changed(this);
    for (const drain of this.drains) drain();
  }

  /** A resume proof that failed: after a few, someone is guessing, and the session ends. */
  resumeRefused(): void {
    if (++this.resumeFailures < MAX_RESUME_FAILURES) return;
    const why = `the session ended after ${MAX_RESUME_FAILURES} failed attempts to resume it`;
    const wire = this.wire;
    this.end('network', why, true);
    wire?.close(why, { t: 'bye', by: 'system', reason: why });
  }

  /** How many channel frames this side received: what a resuming peer need not send again. */
  get receivedFrames(): number {
    return this.received;
  }

  private use(wire: Wire, path: SessionPath): void {
    this.wire = wire;
    this.path = path;
    wire.onClose((why, bye, final) => {
      if (wire !== this.wire) return;
      // A helper that gives up waiting says so before it hangs up: the novice reads who left, not a lost connection.
      if (bye && (bye.by === 'novice' || bye.by === 'helper') && typeof bye.reason === 'string') return this.end(bye.by, bye.reason.slice(0, 300), true);
      // Said goodbye (a bad frame, too much sent, a refused resume): over. Only a path that just broke comes back.
      if (bye) return this.end('network', typeof bye.reason === 'string' ? bye.reason.slice(0, 300) : why, true);
      if (this.state === 'open' && this.keys && !final) return this.suspend(why);
      this.end('network', this.state === 'open' ? `the connection was lost: ${why}` : why, true);
    });
    wire.onDrain(() => {
      if (wire === this.wire) for (const drain of this.drains) drain();
    });
  }

  /**
   * The path dropped with no goodbye: the session waits for a new one instead of ending. What either
   * side sends meanwhile is kept; consent granted over the lost path (control) is taken back at once.
   */
  private suspend(why: string): void {
    clearInterval(this.ackTimer);
    if (this.outage) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      abort.abort();
      const attempt = this.outage?.attempt ? `; the last attempt: ${this.outage.attempt}` : '';
      this.end('network', `the connection was lost and could not be resumed within ${Math.round(this.resumeMs / 1000)} s: ${why}${attempt}`);
    }, this.resumeMs);
    this.outage = { since: new Date().toISOString(), reason: why, timer, abort };
    this.logger.info(`session ${this.id}: the connection was lost (${why}); resuming`);
    this.lose(why);
    this.events.changed(this);
    if (this.reconnect) void this.redial(this.reconnect, abort.signal);
  }

  /** Every channel ends what must not span a drop (control); a scope a channel leaves granted is taken back. */
  private lose(why: string): void {
    for (const [id, endpoint] of this.endpoints) {
      try {
        endpoint.pathLost?.(why);
      } catch (e) {
        this.logger.error(`channel '${id}' failed to end what the lost path carried in session ${this.id}: ${(e as Error).message}`);
      }
    }
    if (this.role === 'novice')
      for (const scope of [...this.granted]) {
        this.takeBack(scope, 'the connection was lost');
        if (this.granted.has(scope)) this.consent(scope, 'revoked', 'the connection was lost');
      }
  }

  /** The helper's side dials again until it is back or the outage times out. */
  private async redial(reconnect: Reconnect, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted && !this.ended; attempt++) {
      try {
        const { wire, path, received } = await reconnect(signal);
        if (signal.aborted || this.ended) return wire.close('the session ended');
        return this.resumeOn(wire, path, received);
      } catch (e) {
        // The novice's computer answered no: the session there is over, or this is not its helper.
        if (e instanceof ResumeRefused)
          return e.by ? this.end(e.by, e.message) : this.end('network', `the connection was lost and the session could not be resumed: ${e.message}`);
        if (this.outage) this.outage.attempt = (e as Error).message;
        this.events.changed(this);
        await new Promise((resolve) => setTimeout(resolve, retryMs(attempt)));
      }
    }
  }

  private endOutage(replayed: number): void {
    const outage = this.outage;
    this.outage = undefined;
    clearTimeout(outage?.timer);
    outage?.abort.abort();
    const after = outage ? `${Date.now() - Date.parse(outage.since)} ms after the connection was lost` : 'before this side noticed the loss';
    this.logger.info(`session ${this.id}: resumed ${after}; sent ${replayed} channel frame${replayed === 1 ? '' : 's'} again`);
  }

  private startAcks(): void {
    clearInterval(this.ackTimer);
    this.ackTimer = setInterval(() => this.ack(), ACK_MS);
    this.ackTimer.unref();
  }

  private ack(): void {
    if (this.received === this.acked || !this.wire || this.outage) return;
    this.acked = this.received;
    this.unackedBytes = 0;
    this.wire.send({ t: 'ack', n: this.received });
  }

  /** The password proof passed; the novice decides now. */
  awaitingConsent(safetyCode: string, peerName?: string): void {
    this.safetyCode = safetyCode;
    if (peerName) this.peer = peerName;
    this.move('awaiting-consent');
  }

  /**
   * Opens every session channel on this side and starts routing the peer's frames to them. The
   * state changes before the first await, so a second Accept or a dropped connection cannot race it;
   * `consent` (the novice's side) is sent only once frames are taken, then held until channels are up.
   */
  async open(offered: readonly SessionChannel[], consent = false): Promise<void> {
    // A channel that states no usable frame limit is left out: it would lift the limit for all.
    const channels = offered.filter((c) => {
      const fits = Number.isInteger(c.maxFrameBytes) && c.maxFrameBytes > 0 && c.maxFrameBytes <= MAX_FRAME_BYTES;
      if (!fits)
        this.logger.error(`channel '${c.id}' left out of session ${this.id}: its maxFrameBytes ${String(c.maxFrameBytes)} is not 1 to ${MAX_FRAME_BYTES}`);
      return fits;
    });
    if (this.state === 'ended' || this.state === 'open') throw new ApiError(409, `this session is ${this.state}`);
    const wire = this.wire!;
    for (const channel of channels) {
      this.limits.set(channel.id, channel.maxFrameBytes);
      if (channel.delivery === 'live') this.live.add(channel.id);
      this.scopes.set(channel.id, channel.consentScope ?? channel.id);
    }
    wire.onFrame((frame) => (this.held ? this.hold(frame) : this.route(frame)));
    // A channel frame carries a kind byte, the id's length and the id (at most 255 bytes) besides the payload.
    this.frameLimit = Math.max(HANDSHAKE_FRAME_BYTES, ...channels.map((c) => c.maxFrameBytes + 257));
    wire.openFrames(this.frameLimit);
    this.openedAt = new Date().toISOString();
    this.move('open');
    this.startAcks();
    if (consent) wire.send({ t: 'consent', granted: true });
    for (const channel of channels) {
      try {
        const buffered = () => this.buffered();
        const link: ChannelLink = {
          send: (payload) => this.transmit(channel.id, payload),
          toPage: (payload) => this.events.frame(this, channel.id, payload),
          get buffered() {
            return buffered();
          },
          onDrain: (listener) => {
            this.drains.add(listener);
            return { dispose: () => void this.drains.delete(listener) };
          },
          close: (why) => this.disconnect(this.role, why),
          consent: (step, reason) => this.consent(channel.consentScope ?? channel.id, step, reason),
          note: (event, data) => this.events.note(this, channel.id, event, data ?? {}),
        };
        this.endpoints.set(channel.id, await channel.open(this.info, link));
      } catch (e) {
        this.logger.error(`channel '${channel.id}' could not open in session ${this.id}: ${(e as Error).message}`);
      }
      if (this.ended) return this.closeEndpoints();
    }
    const held = this.held?.drain() ?? [];
    this.held = undefined;
    for (const frame of held) this.route(frame);
    this.events.opened(this);
  }

  /** A frame from the local UI for the peer, within its channel's limit. */
  post(channel: string, payload: string | Uint8Array): void {
    if (this.state !== 'open' || !this.fits(channel, payload, 'this page')) return;
    const endpoint = this.endpoints.get(channel);
    if (endpoint?.fromPage) return this.deliver(channel, () => endpoint.fromPage!(payload));
    // A media channel's endpoint speaks for its page: what the page sends past it goes nowhere.
    if (!this.live.has(channel)) this.transmit(channel, payload);
  }

  /** While the path is down nothing drains: a sender that watches this (the screen) waits for the resume. */
  private buffered(): number {
    return this.wire && !this.outage ? this.wire.buffered : Number.MAX_SAFE_INTEGER;
  }

  /** Every channel frame is numbered and kept until the peer has it; while the path is down it only waits. */
  private transmit(channel: string, payload: string | Uint8Array): void {
    if (this.ended) return;
    // A media channel's binary frames are its media; its text frames (ask, answer, stop) must arrive, as any channel's.
    if (this.live.has(channel) && typeof payload !== 'string') {
      // Live audio that waits behind a backlog arrives too late to play: dropped here, the listener's buffer fades over it.
      if (this.wire && !this.outage && this.wire.buffered <= LIVE_BACKLOG_BYTES) this.wire.sendChannel(channel, payload, true);
      return;
    }
    const kept = this.journal.record(channel, payload);
    if (!this.outage) return this.wire?.sendChannel(channel, payload);
    // Frames the peer never had were let go: no resume can deliver them, so waiting longer is pointless.
    if (!kept)
      this.end(
        'network',
        `the connection was lost and the session could not be resumed: more was sent while it was down than this computer keeps (${this.journal.bounds})`,
      );
  }

  /** The novice takes back a consent scope: each channel asking for it ends what it was granted; the session goes on. */
  revoke(scope: string, reason: string): void {
    if (this.state !== 'open') throw new ApiError(409, `this session is ${this.state}`);
    if (!this.granted.has(scope)) throw new ApiError(409, `${this.peer} has no '${scope}' to take back`);
    this.takeBack(scope, reason);
  }

  private takeBack(scope: string, reason: string): void {
    for (const [id, endpoint] of this.endpoints) {
      if (this.scopes.get(id) !== scope) continue;
      try {
        endpoint.revoke?.(reason);
      } catch (e) {
        this.logger.error(`channel '${id}' failed to take back '${scope}' in session ${this.id}: ${(e as Error).message}`);
      }
    }
  }

  /** This side ends the session and tells the peer who did and why. */
  disconnect(by: Role, reason: string): void {
    if (this.ended) return;
    const wire = this.wire;
    const { outage, reconnect } = this;
    // A channel's last word (the session log's checkpoint) goes out before the goodbye.
    for (const [id, endpoint] of this.endpoints) {
      try {
        endpoint.ending?.();
      } catch (e) {
        this.logger.warn(`channel '${id}' failed at the session's end: ${(e as Error).message}`);
      }
    }
    this.end(by, reason, true);
    const bye = { t: 'bye', by, reason };
    wire?.close(reason, bye);
    // The helper leaves while the path is down: its RA still comes back, only to say so, or the novice waits for nobody.
    if (outage && reconnect) void this.farewell(reconnect, Date.parse(outage.since) + this.resumeMs, bye);
  }

  private async farewell(reconnect: Reconnect, until: number, bye: { t: string; reason: string }): Promise<void> {
    for (let attempt = 0; Date.now() < until; attempt++) {
      try {
        const { wire } = await reconnect(new AbortController().signal);
        return wire.close(bye.reason, bye);
      } catch (e) {
        if (e instanceof ResumeRefused) return;
        // Unref'd: RA stopping does not wait for a goodbye.
        await new Promise((resolve) => setTimeout(resolve, retryMs(attempt)).unref());
      }
    }
  }

  /** Marks the session ended; `quiet` when the wire already reported it. */
  end(by: EndedBy, reason: string, quiet = false): void {
    if (this.ended) return;
    clearInterval(this.ackTimer);
    if (this.outage) {
      clearTimeout(this.outage.timer);
      this.outage.abort.abort();
    }
    this.endedBy = by;
    this.reason = reason;
    this.move('ended');
    if (!quiet) this.wire?.close(reason);
    this.closeEndpoints();
    // An ended session stays listed a while: it keeps none of its frames, and calls no sender back.
    this.journal.clear();
    this.drains.clear();
    this.events.ended(this);
  }

  private consent(scope: string, step: ConsentStep, reason?: string): void {
    if (step === 'granted') this.granted.add(scope);
    else if (step === 'revoked') this.granted.delete(scope);
    this.events.consent(this, scope, step, reason);
    this.events.changed(this);
  }

  private hold(frame: Frame): void {
    const overflow = this.held!.hold(frame);
    if (overflow)
      this.disconnect(this.role, `the ${this.role === 'novice' ? 'helper' : 'novice'}'s computer sent too much while the session opened: ${overflow}`);
  }

  private route(frame: Frame): void {
    if (frame.kind === FrameKind.Control) {
      if (frame.message.t === 'ack') return this.journal.ack(Number(frame.message.n));
      if (frame.message.t === 'bye') {
        const by = frame.message.by === 'novice' || frame.message.by === 'helper' ? frame.message.by : 'network';
        const reason = typeof frame.message.reason === 'string' ? frame.message.reason.slice(0, 300) : 'no reason given';
        this.end(by, reason);
      }
      return;
    }
    if (isLive(frame)) return this.routeLive(frame);
    this.received++;
    // A busy stream (the screen) is acknowledged by volume too, so the sender's journal holds little of it.
    this.unackedBytes += typeof frame.payload === 'string' ? frame.payload.length : frame.payload.byteLength;
    if (this.unackedBytes >= ACK_BYTES) this.ack();
    const endpoint = this.endpoints.get(frame.channel);
    if (!endpoint) return this.logger.debug(`session ${this.id}: dropped a frame for unknown channel '${frame.channel}'`);
    if (!this.fits(frame.channel, frame.payload, this.peer)) return;
    this.deliver(frame.channel, () => endpoint.receive(frame.payload));
    // A media channel's endpoint decides what its page hears (no audio before the Yes).
    if (!this.live.has(frame.channel)) this.events.frame(this, frame.channel, frame.payload);
  }

  /** A media frame: only a media channel takes one, and it is not counted, so a resume never waits for it. */
  private routeLive(frame: Frame & { channel: string; payload: string | Uint8Array }): void {
    const endpoint = this.endpoints.get(frame.channel);
    if (!endpoint || !this.live.has(frame.channel)) return this.logger.debug(`session ${this.id}: dropped a media frame for '${frame.channel}'`);
    if (this.fits(frame.channel, frame.payload, this.peer)) this.deliver(frame.channel, () => endpoint.receive(frame.payload));
  }

  private deliver(channel: string, hand: () => void): void {
    try {
      hand();
    } catch (e) {
      this.logger.error(`channel '${channel}' failed on a frame in session ${this.id}: ${(e as Error).message}`);
    }
  }

  /** Whether a frame is within its channel's own limit; a larger one is dropped, and said so. */
  private fits(channel: string, payload: string | Uint8Array, from: string): boolean {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    const limit = this.limits.get(channel) ?? 0;
    if (size <= limit) return true;
    this.logger.warn(`session ${this.id}: dropped a ${size}-byte ${channel} frame from ${from}: the channel takes at most ${limit} bytes`);
    return false;
  }

  private closeEndpoints(): void {
    for (const [id, endpoint] of this.endpoints) {
      try {
        endpoint.dispose();
      } catch (e) {
        this.logger.error(`channel '${id}' failed to close in session ${this.id}: ${(e as Error).message}`);
      }
    }
    this.endpoints.clear();
  }

  private move(state: SessionState): void {
    this.state = state;
    this.events.changed(this);
  }
}
