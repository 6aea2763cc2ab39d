import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { toDisposable, type ApiSocket, type Disposable, type Logger, type UiSocket } from '@ra/kernel';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { SOCKET_PROTOCOL } from '../../browser/access.js';
import { MAX_BODY_BYTES } from './http.js';

/**
 * The API's WebSocket endpoints. Each connection stays tied to the contribution that took it,
 * so a plugin that stops (disabled live, or RA stopping) has its connections closed with it.
 */
export class SocketHub {
  /** A page offers `ra` and its secret's subprotocol; the answer names `ra` alone, so the secret is never echoed. */
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_BODY_BYTES,
    handleProtocols: (offered) => (offered.has(SOCKET_PROTOCOL) ? SOCKET_PROTOCOL : false),
  });
  private readonly open = new Map<WebSocket, ApiSocket>();

  constructor(
    private readonly endpoints: () => readonly ApiSocket[],
    private readonly logger: Logger,
  ) {}

  /** The endpoint serving `path`, if any; the first active plugin's wins. */
  find(path: string): ApiSocket | undefined {
    return this.endpoints().find((e) => e.path === path);
  }

  accept(endpoint: ApiSocket, request: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.open.set(ws, endpoint);
      ws.once('close', () => this.open.delete(ws));
      try {
        endpoint.connect(new WsUiSocket(ws, endpoint.id, this.logger), query);
      } catch (e) {
        this.logger.error(`API socket '${endpoint.id}' failed to connect: ${(e as Error).message}`);
        ws.close(1011, 'internal error');
      }
    });
  }

  /** Closes connections whose endpoint is no longer contributed by an active plugin. */
  prune(): void {
    const live = new Set(this.endpoints());
    for (const [ws, endpoint] of this.open) if (!live.has(endpoint)) ws.close(1001, 'the plugin serving this socket stopped');
  }

  /** Says goodbye to every page, then cuts whoever has not answered within a second. */
  async close(): Promise<void> {
    const sockets = [...this.open.keys()];
    const closed = sockets.map((ws) => new Promise((done) => ws.once('close', done)));
    for (const ws of sockets) ws.close(1001, 'RA is stopping');
    await Promise.race([Promise.all(closed), new Promise((done) => setTimeout(done, 1000).unref())]);
    for (const ws of sockets) ws.terminate();
    this.server.close();
  }
}

/** A plugin's view of one connection. A listener that throws is logged, never taken down the host. */
class WsUiSocket implements UiSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly id: string,
    private readonly logger: Logger,
  ) {}

  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  send(data: string | Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary: typeof data !== 'string' });
  }

  onMessage(listener: (data: string | Uint8Array) => void): Disposable {
    const handler = (data: RawData, binary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.guard(() => listener(binary ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes.toString('utf8')));
    };
    this.ws.on('message', handler);
    return toDisposable(() => void this.ws.off('message', handler));
  }

  onClose(listener: () => void): Disposable {
    const handler = () => this.guard(listener);
    this.ws.on('close', handler);
    return toDisposable(() => void this.ws.off('close', handler));
  }

  close(reason = ''): void {
    let short = reason;
    while (Buffer.byteLength(short) > 123) short = short.slice(0, -1); // a close frame's limit
    this.ws.close(1000, short);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.error(`API socket '${this.id}' failed: ${(e as Error).message}`);
    }
  }
}
