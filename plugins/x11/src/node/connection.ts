import type { Socket } from 'node:net';
import x11, { type XCallback, type XClient, type XDisplay, type XError, type XExtensions, type XScreen } from 'x11';
import { ShmSegments } from './shm-segments.js';

const EXTENSION_NAMES: Record<keyof XExtensions, string> = {
  damage: 'DAMAGE',
  shape: 'SHAPE',
  fixes: 'XFIXES',
  randr: 'RANDR',
  shm: 'MIT-SHM',
  xinput: 'XInputExtension',
  xtest: 'XTEST',
};

/** The last of the atoms every X server predefines (WM_NAME, STRING, …), the same numbers everywhere. */
const LAST_PREDEFINED_ATOM = 68;

/** How long `close()` waits for the server to hang up before dropping the socket. */
const CLOSE_TIMEOUT_MS = 1000;

export interface OpenOptions {
  readonly timeoutMs: number;
  /** Opens an fd-passing socket for MIT-SHM; without, a plain one. */
  readonly sharedMemory: boolean;
  /** X errors no request is waiting for, e.g. from a request sent without a callback. */
  readonly onProtocolError?: (error: XError) => void;
}

/**
 * One connection to an X server. Requests are promises that reject on an X error, and also when
 * the connection is lost: the `x11` package never calls back the requests a dead server left.
 */
/** How long a source or a sink waits for the X server to answer when it connects. */
export const CONNECT_TIMEOUT_MS = 2000;

export class XConnection {
  private readonly pending = new Set<(error: Error) => void>();
  private readonly lostListeners = new Set<(reason: string) => void>();
  private lostReason?: string;
  private closing?: Promise<void>;

  private constructor(
    /** The display name as given, e.g. `:0`. */
    readonly name: string,
    readonly client: XClient,
    readonly display: XDisplay,
    readonly screen: XScreen,
    private readonly socket: Socket,
    private readonly segments: ShmSegments | undefined,
    onProtocolError: (error: XError) => void,
  ) {
    const hungUp = () => this.lost(`the X server at ${name} closed the connection`);
    client.on('error', (e) => {
      if (e.error !== undefined) onProtocolError(e);
      else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') hungUp();
      else this.lost(`lost the connection to the X server at ${name}: ${e.message}`);
    });
    client.on('end', hungUp);
    socket.on('close', hungUp);
  }

  /** Connects, or rejects with a message naming the display; gives up after `timeoutMs`. */
  static open(name: string, options: OpenOptions): Promise<XConnection> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let client: XClient | undefined;
      const segments = options.sharedMemory ? new ShmSegments() : undefined;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client?.stream?.destroy();
        segments?.releaseAll();
        reject(new Error(message));
      };
      const timer = setTimeout(() => fail(`no answer from the X server at ${name} within ${options.timeoutMs} ms`), options.timeoutMs);
      try {
        client = x11.createClient({ display: name, shm: segments ?? 'off' }, (err, display) => {
          if (err) return fail(`cannot connect to the X server at ${name}: ${err.message}`);
          const socket = display.client.stream;
          // Connected after the caller gave up: hang up again.
          if (settled || !socket) return display.client.terminate();
          settled = true;
          clearTimeout(timer);
          ownAtoms(display.client);
          const screen = display.screen[Number(x11.parseDisplay(name).screenNum)] ?? display.screen[0];
          resolve(new XConnection(name, display.client, display, screen, socket, segments, options.onProtocolError ?? (() => undefined)));
        });
      } catch (e) {
        return fail(`cannot connect to the X server at '${name}': ${(e as Error).message}`);
      }
      // Until the XConnection takes over, any error (setup refused, socket error) ends the attempt.
      client.on('error', (e) => fail(`cannot connect to the X server at ${name}: ${e.message}`));
    });
  }

  /** Neither lost nor closed: requests can still be sent. */
  get alive(): boolean {
    return !this.lostReason && !this.closing;
  }

  /** Calls `listener` once if the server goes away; never after `close()`. */
  onLost(listener: (reason: string) => void): void {
    this.lostListeners.add(listener);
  }

  /** Throws why nothing can be sent any more; for requests that get no reply, such as XTEST's. */
  checkAlive(): void {
    if (!this.alive) throw new Error(this.lostReason ?? `the connection to ${this.name} is closed`);
  }

  /** Sends one request through `send`; settles with its reply. */
  request<T>(send: (callback: XCallback<T>) => void): Promise<T> {
    try {
      this.checkAlive();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      send((err, result) => {
        this.pending.delete(reject);
        if (err) reject(new Error(`the X server at ${this.name} refused a request: ${err.message}`));
        else resolve(result);
        return true;
      });
    });
  }

  /** Loads an extension, or rejects naming the one the server lacks. */
  async extension<N extends keyof XExtensions>(name: N): Promise<XExtensions[N]> {
    try {
      return await this.request<XExtensions[N]>((callback) => this.client.require(name, callback));
    } catch (e) {
      if (!this.alive) throw e;
      throw new Error(`the X server at ${this.name} lacks the ${EXTENSION_NAMES[name]} extension`);
    }
  }

  /** Flushes queued requests, hangs up and waits for the socket to close; idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.lostListeners.clear();
      this.rejectPending(`the connection to ${this.name} was closed`);
      const closed = () => {
        this.segments?.releaseAll();
        resolve();
      };
      if (this.socket.destroyed) return closed();
      const timer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        closed();
      });
      if (this.lostReason) this.socket.destroy();
      else this.client.terminate();
    });
    return this.closing;
  }

  private lost(reason: string): void {
    if (!this.alive) return;
    this.lostReason = reason;
    this.rejectPending(reason);
    for (const listener of this.lostListeners) listener(reason);
    this.lostListeners.clear();
  }

  private rejectPending(reason: string): void {
    const error = new Error(reason);
    for (const reject of this.pending) reject(error);
    this.pending.clear();
  }
}

/**
 * The `x11` package keeps one table of interned atoms for all its clients, whatever their server,
 * and answers InternAtom from it: a name interned on a server that ended (or another display)
 * would come back with that server's number. Each connection starts from the predefined atoms.
 */
function ownAtoms(client: XClient): void {
  const predefined = Object.entries(client.atoms).filter(([, atom]) => atom <= LAST_PREDEFINED_ATOM);
  client.atoms = Object.fromEntries(predefined);
  client.atom_names = Object.fromEntries(predefined.map(([name, atom]) => [atom, name]));
}
