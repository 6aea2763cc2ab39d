import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { MESSENGER_PATH, PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../common/protocol.js';

export type Grant = Extract<ServerFrame, { type: 'session.start' }>;
type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'id'> : never) : never;

/**
 * A lean messenger client for the bench: thousands of them in one process, so it keeps no frames, only
 * the waits the bench set up before it acted. No certificate check: the bench measures, it trusts its nodes.
 */
export class BenchClient {
  private ws!: WebSocket;
  private seq = 0;
  private readonly answers = new Map<string, (frame: ServerFrame) => void>();
  private waits: { match: (f: ServerFrame) => boolean; done: (got: { frame: ServerFrame; at: number }) => void }[] = [];
  closed!: Promise<unknown>;

  private constructor(private readonly token: string) {}

  static async signIn(port: number, _user: string, token: string): Promise<BenchClient> {
    const client = new BenchClient(token);
    await client.reconnect(port);
    return client;
  }

  async reconnect(port: number): Promise<void> {
    const ws = new WebSocket(`wss://127.0.0.1:${port}${MESSENGER_PATH}`, { rejectUnauthorized: false, perMessageDeflate: false });
    ws.on('error', () => undefined);
    ws.on('message', (data) => this.receive(JSON.parse(String(data)) as ServerFrame));
    this.ws = ws;
    this.closed = once(ws, 'close');
    await once(ws, 'open');
    const welcome = await this.request({ type: 'hello', token: this.token, device: 'd', version: PROTOCOL_VERSION });
    if (welcome.type !== 'welcome') throw new Error(`hello: ${JSON.stringify(welcome)}`);
  }

  send(frame: Request): string {
    const id = `b${++this.seq}`;
    this.ws.send(JSON.stringify({ ...frame, id }));
    return id;
  }

  request(frame: Request): Promise<ServerFrame> {
    return new Promise((resolve) => this.answers.set(this.send(frame), resolve));
  }

  /** The first frame from now on that matches, with when it came (performance.now()). */
  next(match: (f: ServerFrame) => boolean): Promise<{ frame: ServerFrame; at: number }> {
    return new Promise((done) => this.waits.push({ match, done }));
  }

  close(): void {
    this.ws.terminate();
  }

  private receive(frame: ServerFrame): void {
    const at = performance.now();
    if ('ref' in frame && frame.ref && this.answers.has(frame.ref)) {
      this.answers.get(frame.ref)!(frame);
      this.answers.delete(frame.ref);
      if (frame.type !== 'session.start') return;
    }
    const wait = this.waits.find((w) => w.match(frame));
    if (!wait) return;
    this.waits = this.waits.filter((w) => w !== wait);
    wait.done({ frame, at });
  }
}
