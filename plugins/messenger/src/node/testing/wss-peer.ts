import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MESSENGER_PATH, type ClientFrame, type ServerFrame } from '../../common/protocol.js';
import type { Issued } from '@ra/test-kit';

export type Script = (frame: ClientFrame, socket: WebSocket, send: (frame: ServerFrame) => void) => void;

/**
 * The far end of a link, for the link's and the connection's own specs: TLS with the spec's
 * certificate and a WebSocket at MESSENGER_PATH, answering as `script` says. What it saw is kept
 * so a spec can tell what reached it (nothing, for a server that fails the pin).
 */
export class WssPeer {
  readonly frames: ClientFrame[] = [];
  /** TCP connections accepted, and HTTP requests (upgrades) read. */
  connections = 0;
  requests = 0;
  readonly sockets = new Set<WebSocket>();
  private readonly raw = new Set<Socket>();

  private constructor(
    private readonly https: Server,
    public script: Script,
  ) {}

  get port(): number {
    return (this.https.address() as AddressInfo).port;
  }

  static async start(issued: Issued, script: Script, port = 0): Promise<WssPeer> {
    const https = createServer({ key: issued.key, cert: issued.cert });
    const wss = new WebSocketServer({ noServer: true });
    const peer = new WssPeer(https, script);
    https.on('connection', (socket: Socket) => {
      peer.connections++;
      peer.raw.add(socket);
      socket.once('close', () => peer.raw.delete(socket));
    });
    https.on('request', (_req, res) => {
      peer.requests++;
      res.writeHead(404).end();
    });
    https.on('upgrade', (req, socket, head) => {
      peer.requests++;
      if (req.url !== MESSENGER_PATH) return void socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => {
        peer.sockets.add(ws);
        ws.once('close', () => peer.sockets.delete(ws));
        ws.on('message', (data) => {
          const frame = JSON.parse(String(data)) as ClientFrame;
          peer.frames.push(frame);
          peer.script(frame, ws, (reply) => ws.send(JSON.stringify(reply)));
        });
      });
    });
    await new Promise<void>((resolve, reject) => https.once('error', reject).listen(port, '127.0.0.1', resolve));
    return peer;
  }

  /** Every connected client hears `frame`. */
  push(frame: ServerFrame): void {
    for (const ws of this.sockets) ws.send(JSON.stringify(frame));
  }

  /** Stops as a restarting server does: each socket closed with 1001, nothing listening after. */
  async close(): Promise<void> {
    for (const ws of this.sockets) ws.close(1001, 'restarting');
    for (const socket of this.raw) socket.destroy();
    await new Promise<void>((resolve) => this.https.close(() => resolve()));
  }
}

/** The answers a server gives to a client that signs in with `token`: a welcome with nothing in it. */
export function welcoming(token: string, user = 'nora'): Script {
  return (frame, _ws, send) => {
    if (frame.type === 'hello')
      send(
        frame.token === token
          ? { type: 'welcome', ref: frame.id, user, displayName: 'Nora Novice', presence: 'online', contacts: [], offers: [], sent: [] }
          : { type: 'error', ref: frame.id, code: 'bad-token', message: 'this sign-in is no longer valid' },
      );
    else send({ type: 'ok', ref: frame.id });
  };
}
