import { connect, type Socket } from 'node:net';

/**
 * TCP simultaneous open from `localPort` to `peer` (`ip:port`): a fresh `net.connect` every 200 ms until one
 * connects or `deadlineMs` passes (docs/messenger.md, "Client paths"). Each try first drops the one before,
 * since two sockets cannot share one local and remote pair; libuv binds with SO_REUSEADDR, so the port is
 * free again at once, even while another connection (the rendezvous or relay one) uses it.
 */
export function punch(localPort: number, peer: string, deadlineMs: number): Promise<Socket> {
  const at = peer.lastIndexOf(':');
  const host = peer.slice(0, at);
  const port = Number(peer.slice(at + 1));
  return new Promise((resolve, reject) => {
    let current: Socket | undefined;
    let last = 'no answer';
    const attempt = () => {
      current?.destroy();
      const socket = connect({ host, port, localPort });
      current = socket;
      socket.once('connect', () => {
        clearInterval(retry);
        clearTimeout(give);
        resolve(socket);
      });
      socket.once('error', (e: NodeJS.ErrnoException) => (last = e.code ?? e.message));
    };
    const retry = setInterval(attempt, 200);
    const give = setTimeout(() => {
      clearInterval(retry);
      current?.destroy();
      reject(new Error(`no simultaneous open with ${peer} within ${deadlineMs} ms (${last})`));
    }, deadlineMs);
    attempt();
  });
}
