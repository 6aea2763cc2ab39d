import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../common/protocol.js';

/** Hold the writer while the socket has more than this to send; let it go on below a quarter of it. */
const HIGH_WATER = 1024 * 1024;
/** Close codes that end the stream without an error: normal, going away, none given. */
const QUIET = new Set([1000, 1001, 1005]);

/**
 * A paired WebSocket relay connection as a byte stream. A WebSocket relay is bound by its frame rate, so
 * the writes made in one turn of the event loop (a TLS record and its neighbours) leave as one binary
 * frame of at most `MAX_FRAME_BYTES`.
 */
export class WebSocketStream extends Duplex {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private held?: (error?: Error | null) => void;

  constructor(private readonly ws: WebSocket) {
    super({ allowHalfOpen: false });
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return this.destroy(new Error('the relay sent a text frame where only bytes may come'));
      if (!this.push(data)) ws.pause();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      // A write held for the drain would hold the stream open for ever: nothing more can be sent.
      this.release();
      if (QUIET.has(code)) this.push(null);
      else this.destroy(new Error(`the relay closed the connection: ${reason.toString() || `code ${code}`}`));
    });
    ws.on('error', (e: Error) => this.destroy(e));
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.queue(chunk);
    this.admit(callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.queue(chunk);
    this.admit(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush();
    this.ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.pending = [];
    this.pendingBytes = 0;
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(error ? 1011 : 1000);
    else if (this.ws.readyState !== this.ws.CLOSED) this.ws.terminate();
    callback(error);
  }

  private queue(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Takes the next write at once unless the socket is full; then when it has drained. */
  private admit(callback: (error?: Error | null) => void): void {
    if (this.ws.bufferedAmount + this.pendingBytes <= HIGH_WATER) callback();
    else this.held = callback;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    while (this.pendingBytes > 0) {
      const frame = take(this.pending, Math.min(this.pendingBytes, MAX_FRAME_BYTES));
      this.pendingBytes -= frame.length;
      this.ws.send(frame, { binary: true }, this.sent);
    }
  };

  private readonly sent = (): void => {
    if (this.ws.bufferedAmount + this.pendingBytes <= HIGH_WATER / 4) this.release();
  };

  private release(): void {
    const callback = this.held;
    this.held = undefined;
    callback?.();
  }
}

/** The first `n` bytes of `chunks` as one buffer, leaving the rest in `chunks`. */
function take(chunks: Buffer[], n: number): Buffer {
  if (chunks[0].length === n) return chunks.shift()!;
  const frame = Buffer.allocUnsafe(n);
  let at = 0;
  while (at < n) {
    const chunk = chunks[0];
    const used = Math.min(chunk.length, n - at);
    chunk.copy(frame, at, 0, used);
    at += used;
    if (used === chunk.length) chunks.shift();
    else chunks[0] = chunk.subarray(used);
  }
  return frame;
}
