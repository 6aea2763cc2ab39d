import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, MESSENGER_PATH, PING_MS, RELAY_PATH } from '../common/protocol.js';
import { AdminServer, type UserAdmin } from './admin.js';
import { DEFAULT_LIMITS, type MessengerLimits } from './config.js';
import { clusterBackend, localBackend, type Backend, type ClusterOptions } from './backend.js';
import { Semaphore } from './limits.js';
import { Messenger } from './messenger.js';
import { OWASP_SCRYPT, PasswordHasher, type ScryptCost } from './passwords.js';
import { DEFAULT_RELAY_LIMITS } from './relay/limits.js';
import { Relay, type RelayLimits } from './relay/relay.js';
import type { NodeStats } from './redis/nodes.js';
import type { RelayPorts } from './rendezvous.js';
import { MessengerSocket } from './socket.js';

export interface ServerOptions {
  /** The data folder: state, certificate, fingerprint, lock and admin socket. */
  data: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The raw TLS relay's port; default the messenger's port + 1 (0 with port 0). */
  relayPort?: number;
  /** Whether anyone may make an account; off, only `ra messenger user add` does. */
  registration: boolean;
  log?: (line: string) => void;
  /** Tighter or looser bounds than DEFAULT_LIMITS. */
  limits?: Partial<MessengerLimits>;
  /** The scrypt cost of new password hashes; default OWASP's N=2^17, r=8, p=1. */
  scrypt?: ScryptCost;
  /** How often the server pings each client; one that misses a ping is cut at the next. */
  pingMs?: number;
  /** Tighter or looser relay caps than DEFAULT_RELAY_LIMITS. */
  relayLimits?: Partial<RelayLimits>;
  /** One node of a messenger on several sharing Redis; without it, one process keeps its state in `data`. */
  cluster?: ClusterOptions;
}

/** A relay WebSocket frame carries coalesced TLS records, up to this size. */
const MAX_RELAY_FRAME_BYTES = 1024 * 1024;

/**
 * `ra messenger serve`: WebSocket over TLS at MESSENGER_PATH on one HTTPS port, the store in the data
 * folder, the admin socket beside it. Every connection, frame, map and queue is bounded.
 */
export class MessengerServer {
  private readonly sockets = new Set<MessengerSocket>();
  private readonly perAddress = new Map<string, number>();
  private readonly pinger: NodeJS.Timeout;
  private closing?: Promise<void>;

  private constructor(
    private readonly https: Server,
    private readonly backend: Backend,
    private readonly messenger: Messenger,
    private readonly admin: AdminServer,
    private readonly relay: Relay,
    readonly port: number,
    readonly relayPort: number,
    readonly fingerprint: string,
    pingMs: number,
  ) {
    this.pinger = setInterval(() => {
      for (const socket of this.sockets) socket.ping();
    }, pingMs);
    this.pinger.unref();
  }

  static async start(options: ServerOptions): Promise<MessengerServer> {
    const log = options.log ?? (() => undefined);
    const limits: MessengerLimits = { ...DEFAULT_LIMITS, ...options.limits };
    const backend = options.cluster ? await clusterBackend(options.cluster, options.data, limits, log) : await localBackend(options.data, limits, log);
    const cleanup: (() => Promise<unknown>)[] = [() => backend.close()];
    try {
      const { hub, tokens, certificate, node } = backend;
      const hasher = new PasswordHasher(options.scrypt ?? OWASP_SCRYPT, new Semaphore(2, 32));
      let ports: RelayPorts = { tcpPort: 0, wsPort: 0 };
      const messenger = new Messenger(hub, hasher, options.registration, tokens, () => ports);
      await messenger.start();
      cleanup.push(async () => messenger.stop());
      const admin = await AdminServer.listen(options.data, messengerAdmin(messenger));
      cleanup.push(() => admin.close());
      const relay = new Relay(tokens, { ...DEFAULT_RELAY_LIMITS, ...options.relayLimits }, log, node?.cluster);
      cleanup.push(() => relay.close());
      const https = createServer({ key: certificate.key, cert: certificate.cert, handshakeTimeout: 10_000, requestTimeout: 10_000, headersTimeout: 10_000 });
      https.maxConnections = limits.connections;
      const port = await listen(https, options.host, options.port);
      cleanup.push(() => new Promise((resolve) => https.close(resolve)));
      const wanted = options.relayPort ?? (options.port === 0 ? 0 : options.port + 1);
      const relayPort = await relay
        .listenTls({ host: options.host, port: wanted, key: certificate.key, cert: certificate.cert })
        .catch((e: NodeJS.ErrnoException) => {
          throw e.code === 'EADDRINUSE' ? new Error(`the relay port ${wanted} on ${options.host} is in use; pick another with --relay-port`) : e;
        });
      ports = { tcpPort: relayPort, wsPort: port, ...(node ? { host: node.host, node: node.id } : {}) };
      const server = new MessengerServer(https, backend, messenger, admin, relay, port, relayPort, certificate.fingerprint, options.pingMs ?? PING_MS);
      server.serve(limits);
      await backend.started(
        { port, relayPort },
        () => server.stats(),
        (user) => messenger.contacts.announce(user),
      );
      log(`messenger on ${options.host}:${port}, relay port ${relayPort}, fingerprint ${certificate.fingerprint}`);
      return server;
    } catch (e) {
      for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
      throw e;
    }
  }

  /** What the node registry shows of this node. */
  stats(): NodeStats {
    const relays = this.relay.stats();
    let signedIn = 0;
    for (const socket of this.sockets) if (socket.signedIn) signedIn++;
    return { clients: this.sockets.size, signedIn, relays: relays.paired, waiting: relays.waiting };
  }

  /** Says goodbye to every client, then stops listening and gives the data folder back. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private serve(limits: MessengerLimits): void {
    // A frame over 64 KiB is answered `too-large` and the socket stays; only one past 4 times that closes it (1009).
    const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_FRAME_BYTES, perMessageDeflate: false });
    const relayWss = new WebSocketServer({ noServer: true, maxPayload: MAX_RELAY_FRAME_BYTES, perMessageDeflate: false });
    this.https.on('connection', (socket: Socket) => {
      const address = remote(socket.remoteAddress);
      const count = (this.perAddress.get(address) ?? 0) + 1;
      if (count > limits.connectionsPerAddress) return socket.destroy();
      this.perAddress.set(address, count);
      socket.once('close', () => {
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      });
    });
    this.https.on('tlsClientError', (_e, socket) => socket.destroy());
    this.https.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const upgrade = path(request) === MESSENGER_PATH || path(request) === RELAY_PATH;
      response.writeHead(upgrade ? 426 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(upgrade ? 'connect with WebSocket\n' : `RA messenger: connect with WebSocket at ${MESSENGER_PATH}\n`);
    });
    this.https.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.closing) return refuseUpgrade(socket, 503, 'the server is stopping');
      if (path(request) === RELAY_PATH)
        return relayWss.handleUpgrade(request, socket, head, (ws) =>
          this.relay.acceptWebSocket(ws, { address: remote(request.socket.remoteAddress), port: request.socket.remotePort ?? 0 }),
        );
      if (path(request) !== MESSENGER_PATH) return refuseUpgrade(socket, 404, `no WebSocket here; the messenger is at ${MESSENGER_PATH}`);
      wss.handleUpgrade(request, socket, head, (ws) => {
        const connection = new MessengerSocket(ws, remote(request.socket.remoteAddress), this.messenger, limits);
        this.sockets.add(connection);
        ws.once('close', () => this.sockets.delete(connection));
      });
    });
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.pinger);
    const stopped = new Promise((resolve) => this.https.close(resolve));
    // Says goodbye, then cuts whoever has not answered within a second.
    const sockets = [...this.sockets];
    for (const socket of sockets) socket.close(1001, 'the server is stopping');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(sockets.map((s) => s.closed)), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    for (const socket of this.sockets) socket.terminate();
    this.https.closeAllConnections();
    await stopped;
    await this.relay.close();
    this.messenger.stop();
    await this.admin.close();
    await this.backend.close();
  }
}

/** What `ra messenger user …` does, on a live messenger. */
export function messengerAdmin(messenger: Messenger): UserAdmin {
  return {
    add: async (user, displayName, password) => void (await messenger.addUser(user, displayName, password)),
    remove: (user) => messenger.removeUser(user),
    list: async () =>
      (await messenger.hub.store.users())
        .map((u) => ({ user: u.name, displayName: u.displayName, created: new Date(u.created).toISOString() }))
        .sort((a, b) => a.user.localeCompare(b.user)),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use; pick another with --port`) : e),
    );
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

function path(request: IncomingMessage): string {
  return (request.url ?? '').split('?')[0];
}

function remote(address: string | undefined): string {
  return (address ?? 'unknown').replace(/^::ffff:/, '');
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
}
