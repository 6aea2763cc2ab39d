import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../common/protocol.js';
import { type EndHost, type RelayEnd } from './end.js';
import { dialNode, NodeEnd, type RelayCluster } from './forward.js';
import { checkLimits, TokenBucket, type RelayLimits } from './limits.js';
import { Pipe, type Side } from './pipe.js';
import { TcpEnd } from './tcp-end.js';
import { RelayTokenError, type RelayTicket, type RelayTokenStore } from './tokens.js';
import { WsEnd } from './ws-end.js';

export { DEFAULT_RELAY_LIMITS, type RelayLimits } from './limits.js';

/**
 * What the server core's WebSocketServer at `RELAY_PATH` must use: clients send frames of at most
 * `MAX_FRAME_BYTES`, and relayed bytes are TLS, which compression only slows down.
 */
export const RELAY_WS_OPTIONS = { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false } as const;

/** A connection must name its token this soon after it is accepted (TLS handshake included). */
const HELLO_MS = 10_000;

interface Waiter extends Side {
  readonly timer: NodeJS.Timeout;
}

/**
 * The relay: pairs the two sides of a session by their one-time tokens, then forwards opaque bytes both
 * ways (RA's own TLS: the relay cannot read or steer it). Raw TLS and WebSocket ends pair with each other.
 */
export class Relay implements EndHost {
  private readonly live = new Set<RelayEnd>();
  /** Every raw TCP connection, so that shutting down also ends those still in their TLS handshake. */
  private readonly sockets = new Set<Socket>();
  /** Ends that have not named their token yet, with their deadline. */
  private readonly hello = new Map<RelayEnd, NodeJS.Timeout>();
  /** The first side of each session, by session and by end. */
  private readonly waiting = new Map<string, Waiter>();
  private readonly waiters = new Map<RelayEnd, Waiter>();
  /** Pipes by session, and forwarded sides by session and side. */
  private readonly pipes = new Map<string, Pipe>();
  /** Ends whose session meets on another node, while this node dials it. */
  private readonly forwarding = new Map<RelayEnd, RelayTicket>();
  private readonly stopping = new AbortController();
  /** Relays (waiting or paired) by account. */
  private readonly accounts = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private server?: Server;
  private finishedBytes = 0;
  private closing = false;

  constructor(
    private readonly tokens: RelayTokenStore,
    private readonly limits: RelayLimits,
    private readonly log: (line: string) => void,
    /** Set when the messenger runs on several nodes: a token of another node's session is forwarded there. */
    private readonly cluster?: RelayCluster,
  ) {
    checkLimits(limits);
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, Math.max(50, limits.idleMs / 4))).unref();
  }

  async listenTls(options: { host: string; port: number; key: string; cert: string }): Promise<number> {
    const server = createServer({ key: options.key, cert: options.cert, allowHalfOpen: true, handshakeTimeout: HELLO_MS });
    // Every paired or waiting relay holds two connections at most; the rest is room for hellos.
    server.maxConnections = this.limits.total * 2 + this.helloRoom();
    server.on('secureConnection', (socket: TLSSocket) => this.admit(new TcpEnd(socket, this)));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A failed or timed-out handshake (a scanner, a client that gave up) is not worth a log line; it must be closed.
    server.on('tlsClientError', (_e, socket) => socket.destroy());
    server.listen(options.port, options.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
    this.server = server;
    const port = (server.address() as { port: number }).port;
    this.log(`relay: raw TLS on ${options.host}:${port}`);
    return port;
  }

  acceptWebSocket(socket: WebSocket, remote: { address: string; port: number }): void {
    this.admit(new WsEnd(socket, remote, this));
  }

  /** `forwarded`: of the pipes, those carrying a client to another node. */
  stats(): { waiting: number; paired: number; forwarded: number; bytes: number; buffered: number; hello: number } {
    let bytes = this.finishedBytes;
    let buffered = 0;
    let forwarded = 0;
    for (const pipe of this.pipes.values()) {
      bytes += pipe.bytes;
      buffered += pipe.buffered();
      if (pipe.b.end instanceof NodeEnd) forwarded++;
    }
    return { waiting: this.waiting.size, paired: this.pipes.size, forwarded, bytes, buffered, hello: this.hello.size };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopping.abort();
    clearInterval(this.sweeper);
    const closed = this.server ? new Promise<void>((resolve) => this.server!.close(() => resolve())) : Promise.resolve();
    for (const pipe of [...this.pipes.values()]) pipe.cut('the relay is shutting down');
    for (const end of [...this.live]) end.cut('the relay is shutting down');
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- EndHost ----

  arrive(end: RelayEnd, token: string, seenAt?: string): void {
    clearTimeout(this.hello.get(end));
    this.hello.delete(end);
    if (seenAt) {
      if (!this.cluster?.isNode(end.remoteAddress)) return end.refuse('only a messenger node may say where a client is seen from');
      end.forwardedFrom(seenAt);
    }
    void this.claim(end, token);
  }

  refused(end: RelayEnd, reason: string): void {
    this.forget(end);
    this.log(`relay: refused a ${end.via} connection from ${end.seenAt}: ${reason}`);
  }

  gone(end: RelayEnd): void {
    this.live.delete(end);
    this.forget(end);
  }

  // ----

  /** Uses the end's token up, then pairs it or lets it wait for the other side; forwards it when its session is another node's. */
  private async claim(end: RelayEnd, token: string): Promise<void> {
    let ticket: RelayTicket;
    try {
      const elsewhere = this.cluster && (await this.tokens.peek(token));
      if (elsewhere && elsewhere.node && elsewhere.node !== this.cluster!.node) return this.forward(end, token, elsewhere);
      ticket = await this.tokens.take(token);
    } catch (e) {
      return end.refuse(e instanceof RelayTokenError ? e.message : 'the relay cannot check its tokens just now; try again in a few seconds');
    }
    // It hung up, or the relay began to close, while the token was checked.
    if (!this.live.has(end)) return;
    if (this.closing) return end.cut('the relay is shutting down');
    if (this.pipes.has(ticket.session)) return end.refuse('this session is already relayed');
    const waiter = this.waiting.get(ticket.session);
    if (waiter?.ticket.side === ticket.side) return end.refuse(`the ${ticket.side} side of this session is already at the relay`);
    if (!waiter && this.carried() >= this.limits.total) return end.refuse('busy: this relay carries as many sessions as it may');
    if ((this.accounts.get(ticket.user) ?? 0) >= this.limits.perAccount) {
      return end.refuse(`the account ${ticket.user} already has ${this.limits.perAccount} relays open, the most it may`);
    }
    this.count(ticket.user, 1);
    if (waiter) return this.pair(waiter, { end, ticket });
    const timer = setTimeout(() => end.refuse(`the other side did not come within ${seconds(this.limits.waitMs)}`), this.limits.waitMs);
    const entry = { end, ticket, timer };
    this.waiting.set(ticket.session, entry);
    this.waiters.set(end, entry);
  }

  /**
   * The client reached this node, but its session meets on another: this node dials that node, which
   * pairs the two sides, and pipes this client's bytes there. It counts against this node's caps too.
   */
  private async forward(end: RelayEnd, token: string, ticket: RelayTicket): Promise<void> {
    if (!this.live.has(end)) return;
    if (this.carried() >= this.limits.total) return end.refuse('busy: this relay carries as many sessions as it may');
    if ((this.accounts.get(ticket.user) ?? 0) >= this.limits.perAccount)
      return end.refuse(`the account ${ticket.user} already has ${this.limits.perAccount} relays open, the most it may`);
    this.count(ticket.user, 1);
    this.forwarding.set(end, ticket);
    let upstream: { socket: TLSSocket; peerSeenAt: string };
    try {
      upstream = await dialNode(this.cluster!, ticket.node!, { token, seenAt: end.seenAt }, this.limits.waitMs + 5000, this.stopping.signal);
    } catch (e) {
      return end.refuse((e as Error).message);
    }
    // Forgotten meanwhile: the client hung up, or the relay began to close.
    if (!this.forwarding.delete(end) || this.closing) {
      upstream.socket.destroy();
      return end.cut('the relay is shutting down');
    }
    const node = new NodeEnd(upstream.socket, upstream.peerSeenAt, this);
    this.live.add(node);
    const far: RelayTicket = { session: ticket.session, side: ticket.side === 'novice' ? 'helper' : 'novice', user: `node ${ticket.node}` };
    const key = `${ticket.session}/${ticket.side}`;
    const pipe = new Pipe({ end, ticket }, { end: node, ticket: far }, new TokenBucket(this.limits.bytesPerSecond), (p, why) => this.ended(p, why, key));
    this.pipes.set(key, pipe);
    this.log(`relay: forwarding ${describe({ end, ticket })} to node ${ticket.node}`);
    pipe.start();
  }

  /** Sessions waiting, paired or being forwarded on this node. */
  private carried(): number {
    return this.waiting.size + this.pipes.size + this.forwarding.size;
  }

  private admit(end: RelayEnd): void {
    this.live.add(end);
    if (this.closing) return end.cut('the relay is shutting down');
    if (this.hello.size >= this.helloRoom()) return end.refuse('busy: too many connections are being set up; try again shortly');
    this.hello.set(
      end,
      setTimeout(() => end.refuse(`no relay token within ${seconds(HELLO_MS)}`), HELLO_MS),
    );
  }

  /** Drops an end that is not paired from the maps that hold it. */
  private forget(end: RelayEnd): void {
    clearTimeout(this.hello.get(end));
    this.hello.delete(end);
    const forwarded = this.forwarding.get(end);
    if (forwarded && this.forwarding.delete(end)) this.count(forwarded.user, -1);
    const waiter = this.waiters.get(end);
    if (!waiter) return;
    this.unwait(waiter);
    this.count(waiter.ticket.user, -1);
  }

  private unwait(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiting.delete(waiter.ticket.session);
    this.waiters.delete(waiter.end);
  }

  private pair(waiter: Waiter, arriving: Side): void {
    this.unwait(waiter);
    const pipe = new Pipe(waiter, arriving, new TokenBucket(this.limits.bytesPerSecond), (p, why) => this.ended(p, why));
    this.pipes.set(waiter.ticket.session, pipe);
    this.log(`relay: paired ${describe(waiter)} with ${describe(arriving)}`);
    pipe.start();
  }

  private ended(pipe: Pipe, why: string, key = pipe.a.ticket.session): void {
    this.pipes.delete(key);
    this.count(pipe.a.ticket.user, -1);
    // A forwarding connection is not an account's: only the client it carries was counted.
    if (!(pipe.b.end instanceof NodeEnd)) this.count(pipe.b.ticket.user, -1);
    this.finishedBytes += pipe.bytes;
    this.log(`relay: ended ${describe(pipe.a)} with ${describe(pipe.b)} after ${seconds(Date.now() - pipe.started)} and ${pipe.bytes} bytes: ${why}`);
  }

  /** The duration and idle caps, checked for every pipe at a fraction of the idle time. */
  private sweep(): void {
    const now = Date.now();
    for (const pipe of [...this.pipes.values()]) {
      if (now - pipe.started >= this.limits.maxSessionMs) pipe.cut(`the relayed session reached its limit of ${seconds(this.limits.maxSessionMs)}`);
      else if (now - pipe.lastActive >= this.limits.idleMs) pipe.cut(`nothing was relayed for ${seconds(this.limits.idleMs)}`);
    }
  }

  private count(user: string, delta: number): void {
    const n = (this.accounts.get(user) ?? 0) + delta;
    if (n > 0) this.accounts.set(user, n);
    else this.accounts.delete(user);
  }

  private helloRoom(): number {
    return Math.max(64, this.limits.total);
  }
}

/** For the log: who and how, never the token. */
function describe(side: Side): string {
  return `${side.ticket.user} (${side.ticket.side}, ${side.end.via} from ${side.end.seenAt})`;
}

function seconds(ms: number): string {
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
