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
import { RelayTokens } from '../relay/tokens.js';

type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'id'> : never) : never;
/** Cheap hashes for specs of the logic; passwords.spec checks the real cost. */
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

/** A connection as the messenger sees it, keeping what it was sent. */
export class FakeDevice implements Peer {
  readonly frames: ServerFrame[] = [];
  readonly closes: [number, string][] = [];
  readonly client: Client;
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
    const i = this.frames.findIndex((f) => f.type === type && Object.entries(fields).every(([k, v]) => JSON.stringify((f as never)[k]) === JSON.stringify(v)));
    if (i < 0) throw new Error(`no ${type} ${JSON.stringify(fields)} among ${JSON.stringify(this.frames.map((f) => f.type))}`);
    return this.frames.splice(i, 1)[0] as Extract<ServerFrame, { type: K }>;
  }

  /** Frames of this type, without taking them. */
  all<K extends ServerFrame['type']>(type: K): Extract<ServerFrame, { type: K }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<ServerFrame, { type: K }>[];
  }

  async disconnect(): Promise<void> {
    await this.client.closed();
  }
}

/** A messenger on a real FileStore in a temporary folder, with fake connections. */
export class MessengerRig {
  private constructor(
    readonly dir: string,
    readonly store: FileStore,
    readonly messenger: Messenger,
    readonly tokens: RelayTokens,
    readonly log: string[],
  ) {}

  static async start(options: { dir?: string; limits?: Partial<MessengerLimits>; registration?: boolean; store?: FileStoreOptions; gate?: Semaphore } = {}) {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ra-messenger-')));
    const store = await FileStore.open(dir, options.store);
    const log: string[] = [];
    const hub = localHub(store, { ...DEFAULT_LIMITS, ...options.limits }, (line) => void log.push(line));
    const tokens = new RelayTokens();
    const hasher = new PasswordHasher(CHEAP_SCRYPT, options.gate ?? new Semaphore(2, 32));
    const messenger = new Messenger(hub, hasher, options.registration ?? true, tokens, () => ({ tcpPort: 4001, wsPort: 4000 }));
    await messenger.start();
    return new MessengerRig(dir, store, messenger, tokens, log);
  }

  device(address?: string): FakeDevice {
    return new FakeDevice(this.messenger, address);
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
    a.frames.length = 0;
    b.frames.length = 0;
  }

  /** Stops the messenger and its store; `keep` leaves the folder for a restart. */
  async stop(keep = false): Promise<void> {
    this.messenger.stop();
    await this.store.close();
    if (!keep) await rm(this.dir, { recursive: true, force: true });
  }
}
