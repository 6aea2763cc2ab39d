import type { TLSSocket } from 'node:tls';
import type { Disposable } from '@ra/kernel';
import { encodeChannel, encodeControl, FrameKind, FrameReader, HANDSHAKE_FRAME_BYTES, MAX_FRAME_BYTES, ProtocolError, type Frame } from './framing.js';

export type ControlMessage = Readonly<Record<string, unknown>> & { readonly t: string };

type Waiter = { resolve(m: ControlMessage): void; reject(e: Error): void; timer: NodeJS.Timeout };

/**
 * One session's framed TLS stream. The handshake reads it message by message with `next`;
 * once the session is open, `onFrame` takes every frame instead.
 */
export class Wire {
  private readonly reader = new FrameReader();
  /** Frames that came before `onFrame`: control messages for `next`, and the helper's early channel data. */
  private readonly pending: Frame[] = [];
  private waiter?: Waiter;
  private frameListener?: (frame: Frame) => void;
  private closeListeners: ((reason: string) => void)[] = [];
  private closedReason?: string;

  /**
   * `earlyChannelData`: the novice refuses channel data before it accepted; the helper holds it,
   * since the novice's first screen frames may share a TLS record with its consent.
   */
  constructor(
    readonly socket: TLSSocket,
    private readonly earlyChannelData: 'refuse' | 'hold',
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.fail(connectionError(e)));
    socket.on('close', () => this.fail('the connection closed'));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** The next control message, failing after `timeoutMs` or when the peer goes away. */
  next(timeoutMs: number, what: string): Promise<ControlMessage> {
    const at = this.pending.findIndex((f) => f.kind === FrameKind.Control);
    if (at >= 0) return Promise.resolve((this.pending.splice(at, 1)[0] as unknown as { message: ControlMessage }).message);
    if (this.closedReason) return Promise.reject(new ProtocolError(this.closedReason));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`no ${what} within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
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
    for (const frame of this.pending.splice(0)) listener(frame);
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedReason) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  send(message: ControlMessage): void {
    if (!this.closed) this.socket.write(encodeControl(message));
  }

  sendChannel(channel: string, payload: string | Uint8Array): void {
    if (!this.closed) this.socket.write(encodeChannel(channel, payload));
  }

  /** Sends `last` if given, then ends the stream; the close listeners hear `reason`. */
  close(reason: string, last?: ControlMessage): void {
    if (this.closed) return;
    if (last) this.send(last);
    this.fail(reason);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      this.close((e as Error).message, { t: 'bye', by: 'system', reason: (e as Error).message });
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      if (this.frameListener) this.frameListener(frame);
      else if (frame.kind === FrameKind.Control) this.deliver(frame);
      else if (this.earlyChannelData === 'hold') this.pending.push(frame);
      else this.close('malformed frame: channel data before the session opened', { t: 'bye', by: 'system', reason: 'channel data before the session opened' });
    }
  }

  private deliver(frame: Frame & { kind: FrameKind.Control }): void {
    const waiter = this.waiter;
    if (!waiter) return void this.pending.push(frame);
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(frame.message as ControlMessage);
  }

  private fail(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.reject(new ProtocolError(reason));
    }
    if (!this.socket.destroyed && reason !== 'the connection closed') this.socket.end();
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}

function connectionError(e: Error & { code?: string }): string {
  return e.code === 'ECONNRESET' ? 'the connection was reset' : `connection error: ${e.message}`;
}
