import { WebSocket } from 'ws';
import { MAX_FRAME_BYTES, MESSENGER_PATH, PING_MS, type ClientFrame, type ErrorCode, type ServerFrame } from '../common/protocol.js';
import { connectServer, NetworkError, type Trust } from './secure-socket.js';
import { describeNode, formatServer, type ServerAddress } from './server-address.js';

/** The server said no: its stable code, and its message, already readable. */
export class MessengerError extends Error {
  override readonly name = 'MessengerError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A request without its id: the link numbers them. */
export type Request = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'id'> : never) : never;

/** Replies carry `ref`; these typed ones answer a request rather than `ok`. */
type Reply = Extract<ServerFrame, { ref?: string }>;

const REQUEST_MS = 15_000;
/** Requests waiting for an answer at once; more means something is stuck, so they fail rather than pile up. */
const MAX_PENDING = 64;
/** The server pings every PING_MS; this long without a word means it is gone even if TCP has not noticed. */
const SILENCE_MS = 2 * PING_MS + 10_000;

export interface LinkOptions {
  readonly timeoutMs: number;
}

/**
 * One WebSocket to the messenger: numbered requests and their replies, pushes, and the end. It
 * never reconnects; `Connection` does that.
 */
export class Link {
  private next = 0;
  private readonly pending = new Map<string, { resolve: (f: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private pushListener: (frame: ServerFrame) => void = () => undefined;
  private closeListener: (why: string) => void = () => undefined;
  private silence?: NodeJS.Timeout;
  private ended?: string;

  private constructor(
    private readonly ws: WebSocket,
    readonly server: ServerAddress,
  ) {
    ws.on('message', (data, binary) => this.receive(data as Buffer, binary));
    ws.on('ping', () => this.heard());
    ws.on('close', (code, reason) => this.end(code === 1000 || code === 1005 ? 'the server closed the connection' : describeClose(code, reason.toString())));
    ws.on('error', (e) => this.end(`the connection failed: ${e.message}`));
    this.heard();
  }

  /** TLS checked against `trust` before anything is written, then the WebSocket upgrade at MESSENGER_PATH. */
  static async open(server: ServerAddress, trust: Trust, { timeoutMs }: LinkOptions): Promise<Link> {
    const socket = await connectServer(server, trust, timeoutMs);
    const ws = new WebSocket(`wss://${formatServer(server)}${MESSENGER_PATH}`, {
      createConnection: () => socket,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`it answered HTTP ${res.statusCode}, not as a messenger server`)));
        ws.once('error', reject);
        ws.once('close', () => reject(new Error('it closed the connection')));
      });
    } catch (e) {
      ws.terminate();
      socket.destroy();
      throw new NetworkError(`cannot reach ${describeNode(server)}: ${(e as Error).message}`, { cause: e });
    }
    return new Link(ws, server);
  }

  get closed(): boolean {
    return this.ended !== undefined;
  }

  onPush(listener: (frame: ServerFrame) => void): void {
    this.pushListener = listener;
  }

  onClose(listener: (why: string) => void): void {
    this.closeListener = listener;
  }

  /** Sends a request and resolves with its reply; an `error` reply rejects with a MessengerError. */
  request<T extends Reply = Reply>(frame: Request): Promise<T> {
    if (this.ended) return Promise.reject(new NetworkError(`the connection to the messenger dropped: ${this.ended}`));
    if (this.pending.size >= MAX_PENDING) return Promise.reject(new NetworkError('too many requests are waiting for the messenger server'));
    const id = String(++this.next);
    const text = JSON.stringify({ ...frame, id });
    if (Buffer.byteLength(text) > MAX_FRAME_BYTES)
      return Promise.reject(new Error(`the message is larger than the ${MAX_FRAME_BYTES} bytes the messenger carries`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new NetworkError(`the messenger server did not answer within ${REQUEST_MS / 1000} s`)), REQUEST_MS);
      this.pending.set(id, { resolve: resolve as (f: Reply) => void, reject, timer });
      this.ws.send(text);
    });
  }

  close(): void {
    this.end('closed here');
    this.ws.close(1000);
    // A server that never answers the close handshake must not hold the socket for ws's 30 s.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private receive(data: Buffer, binary: boolean): void {
    this.heard();
    let frame: ServerFrame;
    try {
      if (binary) throw new Error('a binary message');
      frame = JSON.parse(data.toString('utf8')) as ServerFrame;
      if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') throw new Error('no type');
    } catch {
      // The server speaks the protocol; anything else means the link is not to be trusted further.
      this.ws.close(1002, 'not a messenger frame');
      this.end('the server sent something that is not a messenger frame');
      return;
    }
    const ref = (frame as { ref?: unknown }).ref;
    if (typeof ref === 'string' && this.pending.has(ref)) {
      if (frame.type === 'error') this.settle(ref, new MessengerError(frame.code, frame.message));
      else this.settle(ref, frame as Reply);
      // Typed replies (`invite.status`, `session.start`) also change what the client keeps.
      if (frame.type === 'ok' || frame.type === 'error' || frame.type === 'token') return;
    }
    this.pushListener(frame);
  }

  private settle(id: string, outcome: Reply | Error): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    if (outcome instanceof Error) waiting.reject(outcome);
    else waiting.resolve(outcome);
  }

  private heard(): void {
    clearTimeout(this.silence);
    if (this.ended) return;
    this.silence = setTimeout(() => {
      this.ws.terminate();
      this.end(`the server said nothing for ${SILENCE_MS / 1000} s`);
    }, SILENCE_MS);
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = why;
    clearTimeout(this.silence);
    for (const id of [...this.pending.keys()]) this.settle(id, new NetworkError(`the connection to the messenger dropped: ${why}`));
    this.closeListener(why);
  }
}

function describeClose(code: number, reason: string): string {
  if (code === 1001) return 'the server is going away (restarting)';
  if (code === 1006) return 'the connection was lost';
  return `the server closed the connection (${code}${reason ? `: ${reason}` : ''})`;
}
