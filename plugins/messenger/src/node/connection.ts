import { PROTOCOL_VERSION, type ServerFrame } from '../common/protocol.js';
import type { ConnectionState } from '../common/api.js';
import { Link, MessengerError, type Request } from './link.js';
import { NetworkError, TrustError, type Trust } from './secure-socket.js';
import { formatServers, fromRandom, resolveHost, resolveNodes, type Resolve, type ServerAddress } from './server-address.js';

type Welcome = Extract<ServerFrame, { type: 'welcome' }>;

/** What the connection signs in with; the token is read fresh for every attempt. */
export interface Credentials {
  /** The messenger's nodes: any of them serves. */
  readonly servers: readonly ServerAddress[];
  readonly trust: () => Promise<Trust>;
  readonly token: string;
  readonly device: string;
}

export interface ConnectionEvents {
  /** Every frame the server pushes, the `welcome` of each (re)connection first, once connected. */
  frame(frame: ServerFrame): void;
  state(state: ConnectionState, error?: string): void;
  /** The server no longer takes the token (revoked, expired): sign in again. */
  signedOut(reason: string): void;
}

export interface ConnectionOptions {
  readonly open?: typeof Link.open;
  /** 0 ≤ random() < 1, for the jitter. */
  readonly random?: () => number;
  readonly timeoutMs?: number;
  /** A host's IP addresses (DNS), so a name that resolves to several nodes is tried at each. */
  readonly resolve?: Resolve;
}

/** After one node failed, the next is tried at once: a small jitter only, so a dead node's clients spread. */
const NEXT_NODE_MS = 200;

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

/** The wait before retry `attempt` (0 first): doubling from 1 s to at most 30 s, each ±25 % so clients a restart dropped do not return together. */
export function retryDelay(attempt: number, random: () => number): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 16));
  return Math.min(MAX_RETRY_MS, Math.round(base * (0.75 + random() / 2)));
}

/**
 * The signed-in connection to the messenger: `hello` with the saved token on every (re)connection,
 * and by itself again after a drop or a server restart. With several nodes (or a name with several
 * addresses) it tries the next at once, starting from a random one so clients spread, and backs off
 * only once every one failed. Stops only when told, when the server refuses the token, or when the
 * server is not the one the user trusts.
 */
export class Connection {
  private link?: Link;
  /** The nodes still to try before backing off; the one connected to, while connected. */
  private round: ServerAddress[] = [];
  private connectedTo?: ServerAddress;
  /** Every node at each address, as last resolved. */
  private known: ServerAddress[] = [];
  private readonly resolve: Resolve;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private current: ConnectionState = 'offline';
  private lastError?: string;
  /** The error last told to `events.state`, so a repeat of the same is not told again. */
  private lastReported?: string;
  private readonly open: typeof Link.open;
  private readonly random: () => number;
  private readonly timeoutMs: number;

  constructor(
    private readonly credentials: Credentials,
    private readonly events: ConnectionEvents,
    options: ConnectionOptions = {},
  ) {
    this.open = options.open ?? Link.open.bind(Link);
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.resolve = options.resolve ?? resolveHost;
  }

  /** The node this connection is on, while connected. */
  get node(): ServerAddress | undefined {
    return this.current === 'connected' ? this.connectedTo : undefined;
  }

  get state(): ConnectionState {
    return this.current;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  /**
   * Starts, on the link a sign-in made when there is one (its welcome among `frames`, the pushes that
   * came with it), else by connecting; either way it reconnects by itself from then on.
   */
  start(signedIn?: { link: Link; frames: readonly ServerFrame[] }): void {
    this.stopped = false;
    if (!signedIn) return void this.connect();
    // Known before the first drop, so it moves at once to another address of a name with several.
    void this.nodes();
    this.use(signedIn.link);
    this.link = signedIn.link;
    this.connectedTo = signedIn.link.server;
    this.set('connected');
    for (const frame of signedIn.frames) {
      if (frame.type === 'welcome') this.events.frame(frame);
      else this.pushed(frame);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.link?.close();
    this.link = undefined;
    this.set('offline');
  }

  /** A request over the live link, or a plain failure saying why there is none. */
  request<T extends Awaited<ReturnType<Link['request']>>>(frame: Request): Promise<T> {
    if (!this.link || this.current !== 'connected') {
      const servers = formatServers(this.credentials.servers);
      return Promise.reject(new NetworkError(`not connected to the messenger at ${servers}${this.lastError ? `: ${this.lastError}` : ''}`));
    }
    return this.link.request<T>(frame);
  }

  private async connect(): Promise<void> {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.set('connecting', this.lastError);
    let link: Link | undefined;
    if (!this.round.length) this.round = await this.nodes();
    const server = this.round.shift()!;
    try {
      link = await this.open(server, await this.credentials.trust(), { timeoutMs: this.timeoutMs });
      if (this.stopped) return link.close();
      this.use(link);
      const welcome = await link.request<Welcome>({ type: 'hello', token: this.credentials.token, device: this.credentials.device, version: PROTOCOL_VERSION });
      if (this.stopped) return link.close();
      if (welcome.type !== 'welcome') throw new Error(`the server answered hello with '${welcome.type}'`);
      this.link = link;
      this.connectedTo = server;
      this.round = [];
      this.attempt = 0;
      this.lastError = undefined;
      this.set('connected');
      // Told once connected, so what the welcome sets off (acknowledging offers) can use the link.
      this.events.frame(welcome);
    } catch (e) {
      link?.close();
      this.failed(e as Error);
    }
  }

  private use(link: Link): void {
    link.onPush((frame) => this.pushed(frame));
    link.onClose((why) => this.dropped(link, why));
  }

  private pushed(frame: ServerFrame): void {
    if (frame.type === 'signed-out') return this.refused(`the server signed this computer out: ${frame.reason}`);
    // The welcome answers hello: `connect` passes it on.
    if (frame.type !== 'welcome') this.events.frame(frame);
  }

  /** The node dropped the connection (it may have died): with several, the others are tried at once, it last. */
  private dropped(link: Link, why: string): void {
    if (link !== this.link || this.stopped) return;
    this.link = undefined;
    const gone = this.connectedTo;
    // Signed in by `start(link)`, nothing was resolved yet: the configured nodes stand for themselves.
    const known = this.known.length ? this.known : [...this.credentials.servers];
    const isGone = (n: ServerAddress) => (n.address === undefined ? n.host === gone?.host && n.port === gone?.port : same(n, gone!));
    if (gone && known.length > 1) this.round = [...known.filter((n) => !isGone(n)), gone];
    this.failed(new Error(why));
  }

  /** Every configured node at each of its addresses, starting from a random one. */
  private async nodes(): Promise<ServerAddress[]> {
    this.known = await resolveNodes(this.credentials.servers, this.resolve);
    return fromRandom(this.known, this.random);
  }

  private failed(e: Error): void {
    if (this.stopped) return;
    if (e instanceof MessengerError && e.code === 'bad-token') return this.refused(`the server no longer accepts this sign-in (${e.message}); sign in again`);
    this.lastError = e.message;
    // The wrong server stays wrong: retrying would only knock on an impostor's door every 30 s.
    if (e instanceof TrustError) return this.set('offline', e.message);
    this.set('connecting', e.message);
    const delay = this.round.length ? Math.round(NEXT_NODE_MS * this.random()) : retryDelay(this.attempt++, this.random);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private refused(reason: string): void {
    this.stop();
    this.lastError = reason;
    this.set('offline', reason);
    this.events.signedOut(reason);
  }

  private set(state: ConnectionState, error?: string): void {
    const changed = state !== this.current || error !== this.lastReported;
    this.current = state;
    this.lastReported = error;
    if (changed) this.events.state(state, error);
  }
}

function same(a: ServerAddress, b: ServerAddress): boolean {
  return a.host === b.host && a.port === b.port && a.address === b.address;
}
