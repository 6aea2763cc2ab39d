import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { RateLimit, type Disposable, type Role } from '@ra/kernel';
import { encodeChannel, encodeControl, FrameKind, FrameReader, HANDSHAKE_FRAME_BYTES, MAX_FRAME_BYTES, ProtocolError, type Frame } from './framing.js';
import { describeBytes, HeldFrames } from './held.js';

export type ControlMessage = Readonly<Record<string, unknown>> & { readonly t: string };

type Waiter = { resolve(m: ControlMessage): void; reject(e: Error): void; timer: NodeJS.Timeout };

/**
 * How often the wire pings; how long the peer may send nothing at all (it pings too, so silence means the
 * path is dead: 3 pings by default); and how long it may leave a ping unanswered (it no longer reads).
 */
export interface WireTiming {
  readonly pingMs: number;
  readonly silenceMs?: number;
  readonly stallMs: number;
}

export const WIRE_TIMING: WireTiming = { pingMs: 5_000, silenceMs: 15_000, stallMs: 30_000 };

/** Before anything reads them, only a few small control messages may wait: a handshake needs one at a time. */
const WAITING = { frames: 16, bytes: 4 * HANDSHAKE_FRAME_BYTES };
/** While the helper's channels open, the novice's first frames (a whole screen among them) wait. */
const HOLDING = { frames: 1024, bytes: 2 * MAX_FRAME_BYTES };
/** Unsent bytes past this mean the peer stopped reading; channels keep far below it by watching `buffered`. */
export const MAX_UNSENT_BYTES = 2 * MAX_FRAME_BYTES;

export interface WireOptions {
  /** Who is at the other end, for the reasons people read. */
  readonly peer: Role;
  /**
   * Channel data before `onFrame` is refused, except after this control message: the helper holds
   * the novice's first frames after its consent, since they may share a TLS record with it.
   */
  readonly holdAfter?: string;
  readonly timing?: WireTiming;
}

/**
 * One session's framed TLS stream. The handshake reads it message by message with `next`;
 * once the session is open, `onFrame` takes every frame instead. Every queue is bounded, and a
 * peer that stops reading (it answers no ping) is cut off, with the reason on both sides.
 */
export class Wire {
  private readonly reader = new FrameReader();
  /** Frames that came before `onFrame`: control messages for `next`, and the helper's early channel data. */
  private readonly held = new HeldFrames(WAITING.frames, WAITING.bytes);
  private holding = false;
  private waiter?: Waiter;
  private frameListener?: (frame: Frame) => void;
  private closeListeners: ((reason: string, farewell?: ControlMessage, final?: boolean) => void)[] = [];
  /** This side ended the wire on purpose (a stall, a bad frame), or the data was tampered with: not a path to come back over. */
  private final = false;
  /** A `bye` that came before anything read it (the helper withdrawing its request): who left, and why. */
  private farewell?: ControlMessage;
  private closedReason?: string;
  private interrupted?: string;
  /** Pings not yet answered, by key, with when they were sent; a stalled peer ends the wire before this grows. */
  private readonly pings = new Map<string, number>();
  /** When the last byte came from the peer. */
  private heard = Date.now();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly answers = new RateLimit({ max: 10, windowMs: 1000 });
  private readonly timing: WireTiming;

  constructor(
    readonly socket: TLSSocket,
    private readonly options: WireOptions,
  ) {
    this.timing = options.timing ?? WIRE_TIMING;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.fail(connectionError(e), tampered(e)));
    // Once open, a stream that ends is a lost path, even over a half-open relay socket that stays writable.
    // (In the handshake a refusal is read, then the end: `next` still hands it over.)
    socket.on('end', () => this.frameListener && this.fail('the connection closed'));
    socket.on('close', () => this.fail('the connection closed'));
    this.pingTimer = setInterval(() => this.ping(), this.timing.pingMs).unref();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * The next control message, failing when the peer goes away, or after `timeoutMs` or an
   * `interrupt`, which leave the wire open so the caller can still tell the peer why.
   */
  next(timeoutMs: number, what: string): Promise<ControlMessage> {
    const waiting = this.held.take((f) => f.kind === FrameKind.Control);
    if (waiting?.kind === FrameKind.Control) return Promise.resolve(waiting.message as ControlMessage);
    const failed = this.closedReason ?? this.interrupted;
    if (failed) return Promise.reject(new ProtocolError(failed));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.interrupt(`no ${what} within ${Math.max(1, Math.round(timeoutMs / 1000))} s`), Math.max(0, timeoutMs));
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Fails the `next` under way and every later one with `reason`. */
  interrupt(reason: string): void {
    this.interrupted ??= reason;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.reject(new ProtocolError(reason));
  }

  /** The session is open: frames up to `limit` (the largest a channel takes, a whole screen) are allowed from now on. */
  openFrames(limit: number): void {
    this.reader.limit = Number.isFinite(limit) ? Math.min(limit, MAX_FRAME_BYTES) : HANDSHAKE_FRAME_BYTES;
  }

  /** Bytes written and not yet sent. */
  get buffered(): number {
    return this.socket.writableLength;
  }

  onDrain(listener: () => void): Disposable {
    this.socket.on('drain', listener);
    return { dispose: () => void this.socket.off('drain', listener) };
  }

  /** From now on every frame goes to `listener`, starting with those already held. */
  onFrame(listener: (frame: Frame) => void): void {
    this.frameListener = listener;
    for (const frame of this.held.drain()) listener(frame);
  }

  /** `final`: this side closed it on purpose, or the data was tampered with; otherwise the path broke and may come back. */
  onClose(listener: (reason: string, farewell?: ControlMessage, final?: boolean) => void): void {
    if (this.closedReason) listener(this.closedReason, this.farewell, this.final);
    else this.closeListeners.push(listener);
  }

  send(message: ControlMessage): void {
    this.write(encodeControl(message));
  }

  sendChannel(channel: string, payload: string | Uint8Array, live = false): void {
    this.write(encodeChannel(channel, payload, live));
  }

  /** Sends `last` if given, then ends the stream; the close listeners hear `reason`. */
  close(reason: string, last?: ControlMessage): void {
    if (this.closed) return;
    if (last) this.socket.write(encodeControl(last));
    this.fail(reason, true);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private write(frame: Buffer): void {
    if (this.closed) return;
    this.socket.write(frame);
    if (this.socket.writableLength > MAX_UNSENT_BYTES) {
      const why = `the ${this.options.peer}'s computer stopped reading: ${describeBytes(this.socket.writableLength)} waited to be sent`;
      this.fail(why, true);
      this.socket.destroy();
    }
  }

  private receive(chunk: Buffer): void {
    this.heard = Date.now();
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      return this.close((e as Error).message, { t: 'bye', by: 'system', reason: (e as Error).message });
    }
    for (const frame of frames) {
      if (this.closed) return;
      if (frame.kind === FrameKind.Control && this.keepalive(frame.message)) continue;
      if (this.frameListener) this.frameListener(frame);
      else if (frame.kind === FrameKind.Control) this.deliver(frame);
      else if (this.holding) this.wait(frame);
      else this.close('malformed frame: channel data before the session opened', { t: 'bye', by: 'system', reason: 'channel data before the session opened' });
    }
  }

  private deliver(frame: Frame & { kind: FrameKind.Control }): void {
    if (frame.message.t === this.options.holdAfter) {
      this.holding = true;
      this.held.widen(HOLDING.frames, HOLDING.bytes);
    }
    const waiter = this.waiter;
    if (!waiter) return this.wait(frame);
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(frame.message as ControlMessage);
  }

  private wait(frame: Frame): void {
    const overflow = this.held.hold(frame);
    if (overflow)
      this.close(`the ${this.options.peer}'s computer sent too much: ${overflow}`, { t: 'bye', by: 'system', reason: `too much was sent: ${overflow}` });
  }

  /**
   * Pings and pongs belong to the wire. Each ping carries a fresh key that only a peer reading the
   * stream in order can echo, so a peer that reads nothing cannot seem alive.
   */
  private keepalive(message: Readonly<Record<string, unknown>>): boolean {
    const key = message.k;
    if (message.t === 'ping') {
      if (typeof key === 'string' && key.length <= 32 && this.answers.take()) this.send({ t: 'pong', k: key });
      return true;
    }
    if (message.t !== 'pong') return false;
    const sentAt = typeof key === 'string' ? this.pings.get(key) : undefined;
    // Read in order: every ping sent up to this one was read as well.
    if (sentAt !== undefined) for (const [k, at] of this.pings) if (at <= sentAt) this.pings.delete(k);
    return true;
  }

  /**
   * A peer that sends nothing (not even its pings) or answers no ping is out of reach: the path died, or the
   * peer froze. That is a lost path, not a verdict, so no `bye`: an open session comes back over a new one.
   */
  private ping(): void {
    const now = Date.now();
    const silenceMs = this.timing.silenceMs ?? 3 * this.timing.pingMs;
    if (now - this.heard >= silenceMs) return this.lost(`nothing came from the ${this.options.peer}'s computer for ${seconds(silenceMs)} s`);
    if (now - Math.min(...this.pings.values()) >= this.timing.stallMs)
      return this.lost(`the ${this.options.peer}'s computer read nothing for ${seconds(this.timing.stallMs)} s`);
    const key = randomBytes(8).toString('hex');
    this.pings.set(key, now);
    this.send({ t: 'ping', k: key });
  }

  private lost(why: string): void {
    this.fail(why);
    this.socket.destroy();
  }

  private fail(reason: string, final = false): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.final = final;
    clearInterval(this.pingTimer);
    for (const f of this.held.drain()) if (f.kind === FrameKind.Control && f.message.t === 'bye') this.farewell = f.message as ControlMessage;
    this.interrupt(reason);
    if (!this.socket.destroyed && reason !== 'the connection closed') this.socket.end();
    for (const listener of this.closeListeners.splice(0)) listener(reason, this.farewell, final);
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}

/** TLS found a record that does not authenticate: something between the two computers changed it. */
function tampered(e: Error & { code?: string }): boolean {
  return !!(e.code?.includes('BAD_RECORD_MAC') || e.code?.includes('DECRYPT'));
}

function connectionError(e: Error & { code?: string }): string {
  if (e.code === 'ECONNRESET') return 'the connection was reset';
  if (tampered(e)) return 'the data was changed on the way (by a relay or a network device), so the session was ended to keep it safe';
  return `connection error: ${e.message}`;
}
