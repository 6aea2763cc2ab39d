import type { WebSocket } from 'ws';
import { formatSeenAt, HELLO_BYTES, HIGH_WATER, RelayEnd, type EndHost } from './end.js';

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** Close codes: a refusal (policy), a cap or shutdown (the reason says which), the other side finished. */
const REFUSED = 1008;
const CUT = 4000;
const NORMAL = 1000;

/** A WebSocket relay connection: one text frame with the token, `{"paired":"ip:port"}` or `{"error":…}` back, then binary frames. */
export class WsEnd extends RelayEnd {
  readonly via = 'websocket';
  private draining = false;

  constructor(
    private readonly ws: WebSocket,
    remote: { address: string; port: number },
    host: EndHost,
  ) {
    super(formatSeenAt(remote.address, remote.port), host);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, binary: boolean) => this.message(data, binary));
    ws.on('close', () => this.closed());
    ws.on('error', () => undefined);
  }

  send(chunk: Buffer): void {
    // Only a send that leaves the socket above the mark needs to say when it is written: the drain.
    const afterWrite = this.draining || this.ws.bufferedAmount + chunk.length > HIGH_WATER ? this.written : undefined;
    if (afterWrite) this.draining = true;
    this.ws.send(chunk, { binary: true }, afterWrite);
  }

  buffered(): number {
    return this.ws.bufferedAmount;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  finish(): void {
    this.ws.close(NORMAL);
  }

  cut(reason: string): void {
    this.ws.close(CUT, closeReason(reason));
  }

  protected announce(peerSeenAt: string): void {
    this.ws.send(JSON.stringify({ paired: peerSeenAt }));
  }

  protected reject(reason: string): void {
    this.ws.send(JSON.stringify({ error: reason }));
    this.ws.close(REFUSED, closeReason(reason));
  }

  private message(data: Buffer, binary: boolean): void {
    if (this.stage === 'hello') {
      const token = binary || data.length > HELLO_BYTES ? undefined : data.toString('utf8').trim();
      if (token === undefined || !TOKEN.test(token)) return this.refuse('the first frame must be a text frame with the token');
      return this.hello(token);
    }
    if (!binary && this.stage !== 'closed')
      return this.stage === 'paired'
        ? this.cut('a text frame after pairing: the relay carries binary frames only')
        : this.refuse('after the token the relay carries binary frames only');
    this.bytes(data);
  }

  private readonly written = (): void => {
    if (!this.draining || this.ws.bufferedAmount > HIGH_WATER / 4) return;
    this.draining = false;
    this.drained();
  };
}

/** A close reason is at most 123 bytes. */
function closeReason(reason: string): string {
  return Buffer.from(reason)
    .subarray(0, 123)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
