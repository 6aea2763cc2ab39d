import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ScreenDecoder, type ScreenEvent } from '../common/decoder.js';
import { NodeInflater } from '../node/inflater.js';

export interface Arrival {
  readonly t: number;
  readonly bytes: number;
  readonly event: ScreenEvent;
}

/**
 * Watches one session's `screen` channel through the helper RA's live socket, as its page does,
 * decoding each message to know which rects it touched. Times are performance.now() at arrival.
 */
export class RaViewer {
  readonly log: Arrival[] = [];
  private readonly decoder = new ScreenDecoder(new NodeInflater());
  private socket!: WebSocket;
  completeAt?: number;
  initialBytes = 0;

  async connect(baseUrl: string, secret: string): Promise<void> {
    const url = new URL('/api/sessions/live', baseUrl);
    url.protocol = 'ws:';
    url.search = '';
    this.socket = new WebSocket(url, { headers: { authorization: `Bearer ${secret}` } });
    await new Promise((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
    let chain = Promise.resolve();
    this.socket.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return;
      const t = performance.now();
      const frame = new Uint8Array(data);
      const sl = frame[0];
      const cl = frame[1 + sl];
      if (new TextDecoder().decode(frame.subarray(2 + sl, 2 + sl + cl)) !== 'screen') return;
      const payload = frame.subarray(3 + sl + cl);
      chain = chain.then(async () => {
        const event = await this.decoder.apply(payload);
        this.log.push({ t, bytes: payload.length, event });
        if (this.completeAt === undefined) {
          this.initialBytes += payload.length;
          if (this.decoder.complete) this.completeAt = t;
        }
      });
    });
  }

  /** Sends a text frame to one channel of a session, as the page's UiContext.post does. */
  post(sessionId: string, channel: string, text: string): void {
    const enc = new TextEncoder();
    const [s, c, body] = [enc.encode(sessionId), enc.encode(channel), enc.encode(text)];
    this.socket.send(Buffer.concat([Buffer.of(s.length), s, Buffer.of(c.length), c, Buffer.of(0), body]));
  }

  close(): void {
    this.socket?.close();
  }
}
