import type { WebSocket, RawData } from 'ws';
import type { ServerFrame } from '../common/protocol.js';
import type { MessengerLimits } from './config.js';
import { parseFrame, RefError } from './frames.js';
import { RateLimit } from './limits.js';
import type { Client, Messenger } from './messenger.js';

/**
 * One messenger WebSocket: parses and checks each frame, answers bad ones with `error` and keeps the
 * socket (too many bad ones in a minute close it with 1008), cuts a client that reads too slowly, and
 * closes one that does not sign in in time.
 */
export class MessengerSocket {
  private readonly client: Client;

  get signedIn(): boolean {
    return this.client.signIn !== undefined;
  }

  private readonly frames: RateLimit;
  private readonly bad: number[] = [];
  private readonly signInTimer: NodeJS.Timeout;
  /** Cleared at each ping, set by the pong: a socket still clear at the next ping is dead. */
  alive = true;
  readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    address: string,
    messenger: Messenger,
    private readonly limits: MessengerLimits,
  ) {
    this.frames = new RateLimit(limits.frames.burst, limits.frames.windowMs, 1);
    this.client = messenger.connect({ address, send: (frame) => this.send(frame), close: (code, reason) => ws.close(code, reason) });
    this.signInTimer = setTimeout(() => {
      if (!this.client.signIn) ws.close(1008, `sign in within ${limits.signInWithinMs / 1000} s`);
    }, limits.signInWithinMs);
    ws.on('message', (data, binary) => this.message(data, binary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', () => ws.terminate());
    this.closed = new Promise((resolve) =>
      ws.once('close', () => {
        clearTimeout(this.signInTimer);
        void this.client.closed();
        resolve();
      }),
    );
  }

  /** Pings the client, or cuts it when it did not answer the last ping. */
  ping(): void {
    if (!this.alive) return this.ws.terminate();
    this.alive = false;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private message(data: RawData, binary: boolean): void {
    this.alive = true;
    if (binary) return this.refuse(new RefError('bad-frame', 'frames are JSON text, not binary'));
    if (!this.frames.take('')) return this.refuse(new RefError('rate-limited', 'too many frames; slow down'));
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
    let frame;
    try {
      frame = parseFrame(text);
    } catch (e) {
      return this.refuse(e as RefError);
    }
    if (!this.client.receive(frame))
      this.send({ type: 'error', ref: frame.id, code: 'rate-limited', message: 'too many requests are waiting for an answer; wait for them' });
  }

  private refuse(e: RefError): void {
    this.send({ type: 'error', ...(e.ref ? { ref: e.ref } : {}), code: e.code, message: e.message });
    const now = Date.now();
    this.bad.push(now);
    while (this.bad.length && this.bad[0] <= now - 60_000) this.bad.shift();
    if (this.bad.length >= this.limits.badFramesPerMinute) this.ws.close(1008, 'too many bad frames');
  }

  private send(frame: ServerFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // A client that does not read its frames is cut rather than held in memory without end.
    if (this.ws.bufferedAmount > this.limits.sendBufferBytes) return this.ws.terminate();
    this.ws.send(JSON.stringify(frame));
  }
}
