import type { TLSSocket } from 'node:tls';
import { formatSeenAt, HELLO_BYTES, LINGER_MS, RelayEnd, type EndHost } from './end.js';

/** `RELAY1 <token>`, and from a node forwarding a client, where that client is seen from. */
const HELLO = /^RELAY1 ([A-Za-z0-9_-]{1,56})(?: ((?:\[[0-9a-fA-F:.]{2,45}\]|[0-9.]{7,15}):\d{1,5}))?\r?$/;

/** A relay end on a TLS socket: what a client's raw connection and a forwarding node's connection share. */
export abstract class SocketEnd extends RelayEnd {
  constructor(
    protected readonly socket: TLSSocket,
    seenAt: string,
    host: EndHost,
    first: (chunk: Buffer) => void,
  ) {
    super(seenAt, host);
    // Interactive bytes (a key, a pointer move) leave at once: Nagle and delayed ACKs cost 40 ms a round.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => (this.stage === 'hello' ? first(chunk) : this.bytes(chunk)));
    socket.on('drain', () => this.drained());
    socket.on('end', () => this.ended());
    socket.on('close', () => this.closed());
    // 'close' follows every error; the reason of a reset is of no use to the other side.
    socket.on('error', () => undefined);
  }

  send(chunk: Buffer): void {
    this.socket.write(chunk);
  }

  buffered(): number {
    return this.socket.writableLength;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  finish(): void {
    this.socket.end();
    this.linger();
  }

  cut(): void {
    this.socket.destroy();
  }

  protected linger(): void {
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }
}

/** A raw TLS relay connection: `RELAY1 <token>\n`, then `PAIRED <ip>:<port>\n` or `ERROR <reason>\n`, then bytes. */
export class TcpEnd extends SocketEnd {
  readonly via = 'tcp';
  private line = Buffer.alloc(0);

  constructor(socket: TLSSocket, host: EndHost) {
    super(socket, formatSeenAt(socket.remoteAddress, socket.remotePort), host, (chunk) => this.read(chunk));
  }

  protected announce(peerSeenAt: string): void {
    this.socket.write(`PAIRED ${peerSeenAt}\n`);
  }

  protected reject(reason: string): void {
    this.socket.end(`ERROR ${reason}\n`);
    this.linger();
  }

  private read(chunk: Buffer): void {
    if (!this.spend(chunk.length)) return;
    this.line = Buffer.concat([this.line, chunk]);
    const end = this.line.indexOf(10);
    if (end < 0) {
      if (this.line.length >= HELLO_BYTES) this.refuse('the first line must be RELAY1 and the token');
      return;
    }
    const hello = HELLO.exec(this.line.subarray(0, end).toString('latin1'));
    const rest = this.line.subarray(end + 1);
    this.line = Buffer.alloc(0);
    if (!hello) return this.refuse('the first line must be RELAY1 and the token');
    this.hello(hello[1], rest, hello[2]);
  }
}
