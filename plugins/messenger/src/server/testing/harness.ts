import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientFrame, ServerFrame } from '../../common/protocol.js';
import { DEFAULT_LIMITS, type MessengerLimits } from '../config.js';
import { FileStore, type FileStoreOptions } from '../file-store.js';
import { localHub } from '../hub.js';
import { Semaphore } from '../limits.js';
import { Messenger, type Client, type Peer } from '../messenger.js';
import { PasswordHasher } from '../passwords.js';
import { RedisLink, RedisNode } from '../redis/index.js';
import { RelayTokens, type RelayTokenStore } from '../relay/tokens.js';
import type { MessengerStore } from '../store.js';

type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'id'> : never) : never;
/** Cheap hashes for specs of the logic; passwords.spec checks the real cost. */
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

/** Resolves once `check` holds, polling; fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = 'the condition'): Promise<void> {
  for (const until = Date.now() + ms; !(await check()); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > until) throw new Error(`${what} did not hold within ${ms} ms`);
  }
}

/** A connection as the messenger sees it, keeping what it was sent. */
export class FakeDevice implements Peer {
  readonly frames: ServerFrame[] = [];
  readonly closes: [number, string][] = [];
  readonly client: Client;
  /** Its connection closed (disconnect). */
  gone = false;
  private next = 0;

  constructor(
    messenger: Messenger,
    readonly address = '192.0.2.1',
  ) {
    this.client = messenger.connect(this);
  }

  send(frame: ServerFrame): void {
    this.frames.push(frame);
  }

  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }

  /** Sends a request and returns the first frame answering it. */
  async request(frame: Request): Promise<ServerFrame> {
    const id = `r${++this.next}`;
    this.client.receive({ ...frame, id } as ClientFrame);
    await this.client.settled();
    const reply = this.frames.find((f) => 'ref' in f && f.ref === id);
    if (!reply) throw new Error(`no answer to ${frame.type}`);
    return reply;
  }

  async ok(frame: Request): Promise<ServerFrame> {
    const reply = await this.request(frame);
    if (reply.type === 'error') throw new Error(`${frame.type}: ${reply.code}: ${reply.message}`);
    return reply;
  }

  /** Takes (removes) the first frame of this type and fields; throws when there is none. */
  take<K extends ServerFrame['type']>(type: K, fields: Partial<Extract<ServerFrame, { type: K }>> = {}): Extract<ServerFrame, { type: K }> {
    const i = this.find(type, fields);
    if (i < 0) throw new Error(`no ${type} ${JSON.stringify(fields)} among ${JSON.stringify(this.frames.map((f) => f.type))}`);
    return this.frames.splice(i, 1)[0] as Extract<ServerFrame, { type: K }>;
  }

  /** Takes a frame that may still be on its way from another node through Redis; throws as `take` after `ms`. */
  async expect<K extends ServerFrame['type']>(
    type: K,
    fields: Partial<Extract<ServerFrame, { type: K }>> = {},
    ms = 5000,
  ): Promise<Extract<ServerFrame, { type: K }>> {
    await eventually(() => this.find(type, fields) >= 0, ms).catch(() => undefined);
    return this.take(type, fields);
  }

  /** Frames of this type, without taking them. */
  all<K extends ServerFrame['type']>(type: K): Extract<ServerFrame, { type: K }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<ServerFrame, { type: K }>[];
  }

  async disconnect(): Promise<void> {
    this.gone = true;
    await this.client.closed();
  }

  private find(type: ServerFrame['type'], fields: object): number {
    return this.frames.findIndex((f) => f.type === type && Object.entries(fields).every(([k, v]) => JSON.stringify((f as never)[k]) === JSON.stringify(v)));
  }
}

export interface RigOptions {
  /** The data folder of a rig on files (to start again on the same one); default a new temporary one. */
  dir?: string;
  limits?: Partial<MessengerLimits>;
  registration?: boolean;
  store?: FileStoreOptions;
  gate?: Semaphore;
  /** Runs the messenger as one node on this Redis, as `ra messenger serve --redis` does; several rigs on one Redis are several nodes. */
  redis?: string;
}

const RELAY_PORTS = () => ({ tcpPort: 4001, wsPort: 4000 });

/** A messenger with fake connections: on a real FileStore in a temporary folder, or a node on a real Redis. */
export class MessengerRig {
  private readonly made: FakeDevice[] = [];

  private constructor(
    readonly messenger: Messenger,
    readonly tokens: RelayTokenStore,
    readonly log: string[],
    /** The data folder of a rig on files. */
    readonly dir: string | undefined,
    /** The node of a rig on Redis: its bus, registry and link. */
    readonly node: RedisNode | undefined,
  ) {}

  static async start(options: RigOptions = {}): Promise<MessengerRig> {
    const log: string[] = [];
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const hasher = new PasswordHasher(CHEAP_SCRYPT, options.gate ?? new Semaphore(2, 32));
    const registration = options.registration ?? true;
    if (options.redis) return MessengerRig.onRedis(options.redis, limits, hasher, registration, log);
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ra-messenger-')));
    const store = await FileStore.open(dir, options.store);
    const tokens = new RelayTokens();
    const messenger = new Messenger(
      localHub(store, limits, (line) => void log.push(line)),
      hasher,
      registration,
      tokens,
      RELAY_PORTS,
    );
    await messenger.start();
    return new MessengerRig(messenger, tokens, log, dir, undefined);
  }

  private static async onRedis(url: string, limits: MessengerLimits, hasher: PasswordHasher, registration: boolean, log: string[]): Promise<MessengerRig> {
    const id = randomBytes(4).toString('hex');
    const line = (text: string) => void log.push(`${id}: ${text}`);
    const link = await RedisLink.open(url, line);
    const node = new RedisNode(link, id, {
      limits,
      log: line,
      place: () => ({ public: '127.0.0.1', internal: '127.0.0.1', port: 0, relayPort: 0 }),
      trust: {},
    });
    const messenger = new Messenger(node.hub, hasher, registration, node.tokens, RELAY_PORTS);
    await messenger.start();
    const rig = new MessengerRig(messenger, node.tokens, log, undefined, node);
    await node.start(
      (user) => messenger.contacts.announce(user),
      () => rig.stats(),
    );
    return rig;
  }

  get store(): MessengerStore {
    return this.messenger.hub.store;
  }

  device(address?: string): FakeDevice {
    const device = new FakeDevice(this.messenger, address);
    this.made.push(device);
    return device;
  }

  /** A new account, signed in on a new connection. */
  async user(name: string, device = 'laptop', password = `${name}-password`): Promise<FakeDevice> {
    const d = this.device();
    await d.ok({ type: 'register', user: name, displayName: name.toUpperCase(), password, device });
    d.frames.length = 0;
    return d;
  }

  async login(name: string, device: string, password = `${name}-password`): Promise<FakeDevice> {
    const d = this.device();
    await d.ok({ type: 'login', user: name, password, device });
    d.frames.length = 0;
    return d;
  }

  /** Makes two users mutual contacts. */
  async befriend(a: FakeDevice, b: FakeDevice): Promise<void> {
    await a.ok({ type: 'contact.request', user: b.client.user });
    await b.ok({ type: 'contact.accept', user: a.client.user });
    // On two nodes the news comes through Redis: wait for it, so that it is not taken for later news.
    for (const d of [a, b]) await eventually(() => d.all('contact').some((f) => f.contact.relation === 'mutual'));
    a.frames.length = 0;
    b.frames.length = 0;
  }

  /** Stops the messenger and its store; `keep` leaves the folder for a restart. A node on Redis leaves the registry as a stopping server does. */
  async stop(keep = false): Promise<void> {
    this.messenger.stop();
    if (this.node) {
      await this.node.close();
      await this.node.link.close();
      return;
    }
    await this.store.close();
    if (!keep && this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** A node on Redis dies as with SIGKILL: no more heartbeats or refreshes, its connections to Redis drop, nothing is cleaned up. */
  async kill(): Promise<void> {
    if (!this.node) throw new Error('only a rig on Redis is a node that can be killed');
    this.messenger.stop();
    this.node.registry.stop();
    this.node.bus.close();
    await this.node.link.close();
  }

  /** What the registry shows of this node: the fake connections it made that are still open. */
  stats() {
    const open = this.made.filter((d) => !d.gone && !d.closes.length);
    return { clients: open.length, signedIn: open.filter((d) => d.client.signIn).length, relays: 0, waiting: 0 };
  }
}
