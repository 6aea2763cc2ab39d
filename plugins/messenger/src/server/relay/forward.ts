import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { pinning, type RelayTrust } from '../../node/paths/trust.js';
import type { EndHost } from './end.js';
import { SocketEnd } from './tcp-end.js';

/** The messenger nodes: where each relays, and the certificate they share. */
export interface RelayCluster {
  /** This node's id. */
  readonly node: string;
  /** Pins the other nodes' certificate (every node shows the cluster's one). */
  readonly trust: RelayTrust;
  /** A live node's raw TLS relay, as the nodes reach each other; undefined when it is not live. */
  locate(node: string): { host: string; port: number } | undefined;
  /** Whether `address` is a live node's: only a node may say where a client it forwards is seen from. */
  isNode(address: string): boolean;
}

/** The answer line, `PAIRED ip:port` or `ERROR reason`, is shorter than this. */
const MAX_ANSWER = 1024;

/**
 * A client that can reach this node but not its session's relay node is forwarded: this node dials that
 * node's raw TLS relay once per relayed side, sends the client's token and where it is seen from, and
 * pipes bytes both ways with the relay's backpressure. Relay bytes never cross Redis.
 */
export function dialNode(
  cluster: RelayCluster,
  node: string,
  hello: { token: string; seenAt: string },
  ms: number,
  signal: AbortSignal,
): Promise<{ socket: TLSSocket; peerSeenAt: string }> {
  const where = cluster.locate(node);
  if (!where) return Promise.reject(new Error(`the relay node ${node} of this session is not running; ask for the session again`));
  const trust = pinning(cluster.trust, where.host);
  return new Promise((resolve, reject) => {
    // tls.connect hands allowHalfOpen to net; its type does not list it.
    const options: ConnectionOptions & { allowHalfOpen: boolean } = { host: where.host, port: where.port, allowHalfOpen: true, ...trust.options };
    const socket = connect(options);
    let line = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`the relay node ${node} did not pair this side within ${Math.round(ms / 1000)} s`)), ms);
    const stop = () => fail(new Error('the relay is shutting down'));
    const fail = (e: Error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      socket.destroy();
      reject(e);
    };
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    const closed = () => fail(new Error(`the relay node ${node} closed the connection before pairing`));
    socket.once('error', (e) => fail(new Error(`the relay node ${node} at ${where.host}:${where.port} cannot be reached: ${e.message}`)));
    socket.once('end', closed);
    socket.once('secureConnect', () => {
      try {
        trust.check(socket);
      } catch (e) {
        return fail(e as Error);
      }
      socket.setNoDelay(true);
      socket.write(`RELAY1 ${hello.token} ${hello.seenAt}\n`);
    });
    const readable = () => {
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
        line = Buffer.concat([line, chunk]);
        const end = line.indexOf(10);
        if (end < 0) {
          if (line.length > MAX_ANSWER) fail(new Error(`the relay node ${node} answered with something that is not a relay answer`));
          continue;
        }
        clearTimeout(timer);
        signal.removeEventListener('abort', stop);
        socket.off('readable', readable).off('end', closed).removeAllListeners('error');
        const rest = line.subarray(end + 1);
        if (rest.length) socket.unshift(rest);
        const answer = line.subarray(0, end).toString('utf8');
        const paired = /^PAIRED (\S{1,60})$/.exec(answer);
        if (paired) return resolve({ socket, peerSeenAt: paired[1] });
        socket.destroy();
        return reject(new Error(/^ERROR (.*)$/.exec(answer)?.[1] ?? `the relay node ${node} answered with something that is not a relay answer`));
      }
    };
    socket.on('readable', readable);
  });
}

/** The forwarding connection to the session's relay node, as one end of this node's pipe: its peer is the far client. */
export class NodeEnd extends SocketEnd {
  readonly via = 'node';

  constructor(socket: TLSSocket, peerSeenAt: string, host: EndHost) {
    // Already answered by the relay node; the pipe is made in this same tick, before the socket flows.
    super(socket, peerSeenAt, host, (chunk) => this.bytes(chunk));
    this.stage = 'waiting';
  }

  /** The relay node already told its client; this node's client hears it from its own end. */
  protected announce(): void {}

  protected reject(): void {
    this.socket.destroy();
  }
}
