import {
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  DisconnectsClientError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  TimeoutReadError,
  type RedisClientType,
} from '@redis/client';
import { StoreUnavailable } from '../store.js';

/** A command Redis has not answered within this is failed: a node must answer its clients, not hang with Redis. */
const COMMAND_MS = 3000;
/** How long `open` waits for Redis before the node refuses to start. */
const FIRST_CONNECT_MS = 10_000;

export type RedisClient = RedisClientType;

/**
 * One node's connections to Redis: one for commands and one for subscriptions (a subscribed
 * connection takes no other command). Both reconnect by themselves; while Redis is away every
 * command fails at once with StoreUnavailable, so requests are refused plainly instead of queuing.
 */
export class RedisLink {
  private healthy = false;
  private readonly listeners = new Set<(up: boolean) => void>();
  private closing = false;

  private constructor(
    readonly url: string,
    readonly commands: RedisClient,
    readonly subscriber: RedisClient,
    private readonly log: (line: string) => void,
  ) {
    for (const client of [commands, subscriber]) {
      client.on('error', (e: Error) => this.down(e));
      client.on('ready', () => this.check());
      client.on('end', () => this.down());
    }
  }

  /** Connects both clients; fails with a message naming the address when Redis cannot be reached. */
  static async open(url: string, log: (line: string) => void): Promise<RedisLink> {
    let parsed: URL;
    try {
      parsed = new URL(url);
      if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error();
    } catch {
      throw new Error(`--redis '${url}' is not a Redis URL; write it as redis://HOST:PORT or rediss://USER:PASSWORD@HOST:PORT`);
    }
    let started = false;
    // Once running, a node retries for ever; at its start it gives up after a few tries and says why.
    const reconnectStrategy = (retries: number, cause: Error) => (!started && retries >= 4 ? cause : Math.min(100 * 2 ** retries, 2000));
    const commands = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_MS, rejectInFlight: true },
      socket: { connectTimeout: 2000, reconnectStrategy },
    }) as RedisClientType;
    const link = new RedisLink(redacted(parsed), commands, commands.duplicate() as RedisClientType, log);
    try {
      await withTimeout(Promise.all([commands.connect(), link.subscriber.connect()]), FIRST_CONNECT_MS);
    } catch (e) {
      await link.close();
      throw new Error(`cannot reach Redis at ${link.url}: ${(e as Error).message || 'no answer'}`);
    }
    started = true;
    link.check();
    return link;
  }

  get up(): boolean {
    return this.healthy;
  }

  /** Hears every change between reachable and not; returns a function that stops listening. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs Redis commands, turning a lost or slow Redis into StoreUnavailable. */
  run<T>(task: (redis: RedisClient) => Promise<T>): Promise<T> {
    return this.guard(task, this.commands);
  }

  /** Subscribes or unsubscribes, on the subscription connection, as `run` does commands. */
  listen<T>(task: (subscriber: RedisClient) => Promise<T>): Promise<T> {
    return this.guard(task, this.subscriber);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const client of [this.subscriber, this.commands]) {
      if (client.isOpen) await client.close().catch(() => client.destroy());
    }
  }

  private async guard<T>(task: (client: RedisClient) => Promise<T>, client: RedisClient): Promise<T> {
    if (!this.healthy) throw unavailable(this.url);
    try {
      return await task(client);
    } catch (e) {
      if (isConnectionError(e)) throw unavailable(this.url);
      throw e;
    }
  }

  private check(): void {
    const up = this.commands.isReady && this.subscriber.isReady;
    if (up === this.healthy) return;
    this.healthy = up;
    if (up) this.log(`Redis at ${this.url} is reachable`);
    for (const listener of this.listeners) listener(up);
  }

  private down(e?: Error): void {
    if (this.closing || !this.healthy) return;
    this.healthy = false;
    this.log(`Redis at ${this.url} is unreachable${e?.message ? `: ${e.message}` : ''}; refusing new work until it is back`);
    for (const listener of this.listeners) listener(false);
  }
}

function unavailable(url: string): StoreUnavailable {
  return new StoreUnavailable(`Redis at ${url} is unreachable`);
}

/** node-redis's errors for a Redis that is gone or too slow; a Redis error reply (a bad script) is not one of them. */
const UNREACHABLE = [
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  TimeoutReadError,
];

function isConnectionError(e: unknown): boolean {
  return UNREACHABLE.some((kind) => e instanceof kind) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes((e as NodeJS.ErrnoException)?.code ?? '');
}

/** The URL without its password, for logs and messages. */
function redacted(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href.replace(/\/$/, '');
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
