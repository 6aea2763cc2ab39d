import { connect, isIP, type Socket } from 'node:net';
import { aborted } from './step.js';

/** How often a new attempt starts: NATs forget an unanswered mapping, and the peer may start later. */
export const PUNCH_EVERY_MS = 200;

/**
 * TCP simultaneous open from `localPort` (the relay connection's, so the NAT mapping the relay saw is
 * reused) to `peer` (`ip:port`, as the relay saw the other side), a new attempt every 200 ms for
 * `deadlineMs` ms. Resolves with the first socket that connects; every other attempt is destroyed.
 * Half-open, like the direct route: TLS, not the socket, decides when the stream ends.
 */
export function punch(localPort: number, peer: string, deadlineMs: number, signal?: AbortSignal): Promise<Socket> {
  const { host, port } = parsePeer(peer);
  if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535) return Promise.reject(new Error(`the local port ${localPort} is not a port`));
  const localAddress = isIP(host) === 6 ? '::' : '0.0.0.0';
  return new Promise((resolve, reject) => {
    const attempts = new Set<Socket>();
    let last: Error | undefined;
    const finish = (winner?: Socket, error?: Error) => {
      clearInterval(every);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', cancel);
      for (const socket of attempts) if (socket !== winner) socket.destroy();
      attempts.clear();
      if (winner) resolve(winner);
      else reject(error!);
    };
    const cancel = () => finish(undefined, aborted());
    const attempt = () => {
      const socket = connect({ host, port, localAddress, localPort, allowHalfOpen: true });
      const failed = (e: Error) => {
        last = e;
        attempts.delete(socket);
        socket.destroy();
      };
      attempts.add(socket);
      socket.once('error', failed).once('connect', () => {
        socket.off('error', failed);
        finish(socket);
      });
    };
    const every = setInterval(attempt, PUNCH_EVERY_MS);
    const deadline = setTimeout(() => {
      const why = (last as NodeJS.ErrnoException | undefined)?.code ?? 'no answer';
      finish(undefined, new Error(`no direct connection to ${peer} within ${(deadlineMs / 1000).toFixed(1)} s (${why})`));
    }, deadlineMs);
    signal?.addEventListener('abort', cancel, { once: true });
    if (signal?.aborted) cancel();
    else attempt();
  });
}

/** `ip:port` or `[ipv6]:port`, as the relay names where it sees a connection from. */
export function parsePeer(peer: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(peer);
  const host = match?.[1] ?? match?.[2] ?? '';
  const port = Number(match?.[3]);
  if (!match || !isIP(host) || port < 1 || port > 65535) throw new Error(`"${peer}" is not an address and port (ip:port)`);
  return { host, port };
}
