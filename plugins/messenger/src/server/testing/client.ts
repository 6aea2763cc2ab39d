import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { MESSENGER_PATH, PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../../common/protocol.js';

type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'id'> : never) : never;

/**
 * A messenger client for specs: real WebSocket over TLS, pinned to the server's fingerprint. It keeps
 * every frame it gets, so a spec can wait for one that came before it asked.
 */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();
  private taken = new Set<ServerFrame>();
  private next = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.closed.then(() => this.waiters.forEach((wake) => wake()));
  }

  static async connect(port: number, fingerprint: string, host = '127.0.0.1'): Promise<TestClient> {
    const ws = new WebSocket(`wss://${host}:${port}${MESSENGER_PATH}`, { rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('upgrade', (response: IncomingMessage) => {
        const seen = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
        if (seen !== fingerprint) {
          ws.terminate();
          reject(new Error(`the server's certificate ${seen} is not the pinned ${fingerprint}`));
        }
      });
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => undefined);
    return new TestClient(ws);
  }

  send(frame: Request): string {
    const id = `r${++this.next}`;
    this.raw(JSON.stringify({ ...frame, id }));
    return id;
  }

  raw(data: string | Buffer): void {
    this.ws.send(data, { binary: Buffer.isBuffer(data) });
  }

  /** Sends a request and waits for the first frame answering it. */
  async request(frame: Request, timeoutMs = 20_000): Promise<ServerFrame> {
    const id = this.send(frame);
    return this.wait((f) => 'ref' in f && f.ref === id, timeoutMs, `an answer to ${frame.type}`);
  }

  /** Sends a request and expects `ok` (or the typed reply), failing with the server's message otherwise. */
  async ok(frame: Request, timeoutMs?: number): Promise<ServerFrame> {
    const reply = await this.request(frame, timeoutMs);
    if (reply.type === 'error') throw new Error(`${frame.type}: ${reply.code}: ${reply.message}`);
    return reply;
  }

  /** The first frame not yet waited for that matches; waits for it. */
  wait<T extends ServerFrame>(match: (f: ServerFrame) => f is T, timeoutMs?: number, what?: string): Promise<T>;
  wait(match: (f: ServerFrame) => boolean, timeoutMs?: number, what?: string): Promise<ServerFrame>;
  wait(match: (f: ServerFrame) => boolean, timeoutMs = 20_000, what = 'a frame'): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const found = this.frames.find((f) => !this.taken.has(f) && match(f));
        if (found) {
          this.taken.add(found);
          done();
          resolve(found);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`the connection closed while waiting for ${what}; got ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${this.describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(look);
      };
      this.waiters.add(look);
      look();
    });
  }

  /** A frame of this type (and these fields) arrives. */
  expect<K extends ServerFrame['type']>(
    type: K,
    fields: Partial<Extract<ServerFrame, { type: K }>> = {},
    timeoutMs?: number,
  ): Promise<Extract<ServerFrame, { type: K }>> {
    const match = (f: ServerFrame) => f.type === type && Object.entries(fields).every(([k, v]) => JSON.stringify((f as never)[k]) === JSON.stringify(v));
    return this.wait(match, timeoutMs, `${type} ${JSON.stringify(fields)}`) as Promise<Extract<ServerFrame, { type: K }>>;
  }

  async register(user: string, password: string, displayName = user, device = 'laptop'): Promise<string> {
    const reply = await this.ok({ type: 'register', user, displayName, password, device });
    await this.expect('welcome', { ref: (reply as { ref: string }).ref });
    return (reply as Extract<ServerFrame, { type: 'token' }>).token;
  }

  async login(user: string, password: string, device = 'laptop'): Promise<string> {
    const reply = await this.ok({ type: 'login', user, password, device });
    await this.expect('welcome', { ref: (reply as { ref: string }).ref });
    return (reply as Extract<ServerFrame, { type: 'token' }>).token;
  }

  async hello(token: string, device = 'laptop'): Promise<Extract<ServerFrame, { type: 'welcome' }>> {
    const reply = await this.ok({ type: 'hello', token, device, version: PROTOCOL_VERSION });
    if (reply.type !== 'welcome') throw new Error(`hello: got ${reply.type}`);
    return reply;
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) {
      this.ws.close();
      // A socket a spec froze answers no close handshake.
      const timer = setTimeout(() => this.ws.terminate(), 1000);
      await this.closed;
      clearTimeout(timer);
    }
  }

  private describe(): string {
    return JSON.stringify(this.frames.slice(-5).map((f) => ({ ...f, ...('ticket' in f ? { ticket: '…' } : {}) })));
  }
}
