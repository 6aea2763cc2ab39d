import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Listening, NetworkListener } from '@ra/kernel/node';
import { within } from '@ra/kernel/node';
import type { ConnectOptions, ListenOptions, NoviceRoute, PathAttempt, PathKind, RouteListening } from './api.js';
import { formatAddress, parseAddress } from './invitation/address.js';

export interface DirectSettings {
  /** The port to listen on; `off` for a helper-only RA. */
  readonly port: number | 'off';
  readonly host: string;
  /** What invitations list instead of this computer's own addresses (a router's, a DNS name). */
  readonly addresses?: readonly string[];
}

/** The first way to reach the novice: a TCP connection straight to one of the invitation's `host:port` addresses. */
export class DirectRoute implements NoviceRoute {
  readonly id = 'direct';
  readonly title = 'Direct connection';

  constructor(
    private readonly network: () => NetworkListener,
    private readonly settings: () => DirectSettings,
  ) {}

  async listen(accept: (stream: Socket, from: string, kind: PathKind) => void, { kinds }: ListenOptions): Promise<RouteListening> {
    const { port, host, addresses } = this.settings();
    if (port === 'off') throw new Error('this RA only helps others (RA_PORT=off)');
    if (!kinds.includes('direct')) throw new Error("this computer's policy allows only relayed connections, so it does not listen for direct ones");
    let listening: Listening;
    try {
      listening = await this.network().listen({ host, port }, (socket) =>
        accept(socket, formatAddress({ host: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 }), 'direct'),
      );
    } catch (e) {
      throw new Error(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    try {
      const listed = addresses?.length ? addresses.map((a) => configured(a, listening.port)) : own(listening);
      return { addresses: listed, port: listening.port, dispose: () => listening.dispose() };
    } catch (e) {
      await listening.dispose();
      throw new Error(`the addresses setting is wrong: ${(e as Error).message}`);
    }
  }

  reaches(address: string): boolean {
    try {
      parseAddress(address, true);
      return true;
    } catch {
      return false;
    }
  }

  /** One direct path, a TCP connection to `address`; none when the policy allows only relayed paths. */
  connect(address: string, { timeoutMs, kinds, signal }: ConnectOptions): PathAttempt[] {
    if (!kinds.includes('direct')) return [];
    return [{ kind: 'direct', via: address, stream: this.open(address, timeoutMs, signal) }];
  }

  private async open(address: string, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
    const { host, port } = parseAddress(address, true);
    // Half-open: TLS, not the raw socket, decides when the stream ends, so a refusal the novice
    // sends just before closing is read rather than cut off with the socket.
    const socket = connect({ host, port, allowHalfOpen: true });
    let failed: (e: Error) => void = () => undefined;
    const connected = new Promise<void>((resolve, reject) => {
      failed = reject;
      socket.once('connect', resolve).once('error', reject);
      // Another path was kept: an address still connecting (one that never answers) is given up at once.
      signal?.addEventListener('abort', () => reject(new Error('another path was kept')), { once: true });
    });
    try {
      await within(connected, timeoutMs, `no answer within ${Math.round(timeoutMs / 1000)} s`);
      socket.off('error', failed);
      return socket;
    } catch (e) {
      socket.destroy();
      // A novice listens only while an invitation is open, so a refusal most often means it closed.
      const why =
        (e as NodeJS.ErrnoException).code === 'ECONNREFUSED'
          ? 'nothing is listening there: RA on that computer is not running, or has no open invitation (it may have expired or been deleted)'
          : (e as Error).message;
      throw new Error(`connection to ${address} failed: ${why}`);
    }
  }
}

/** A configured address as invitations list it: with the port RA listens on when it names none. */
function configured(address: string, port: number): string {
  try {
    return formatAddress(parseAddress(address, true));
  } catch {
    return formatAddress({ ...parseAddress(address), port });
  }
}

/** The listen address, or every outside IPv4 address of this computer when it listens on all. */
function own({ host, port }: Listening): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [formatAddress({ host, port })];
  const outside = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal);
  return (outside.length ? outside.map((i) => i.address) : ['127.0.0.1']).map((a) => formatAddress({ host: a, port }));
}
