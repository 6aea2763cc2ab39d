import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** Bytes a direction may hold before it stops reading: a slow side is not buffered without end. */
const MAX_HELD = 4 * 1024 * 1024;

/**
 * A TCP forwarder that holds each chunk `delayMs` before passing it on, both ways: the shaped run's delay on a kernel
 * without sch_netem. It ends TCP on each side, so the delay is in the applications' round trip, not in TCP's own.
 */
export class DelayProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(host: string, target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
    const server = createServer();
    const proxy = new DelayProxy(server);
    server.on('connection', (near) => {
      const far = connect(target.port, target.host);
      for (const s of [near, far]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
      }
      delayed(near, far, delayMs);
      delayed(far, near, delayMs);
    });
    server.listen(0, host);
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the delay proxy is not listening');
    return address.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** `from` → `to`, each chunk and the end `ms` late, in order. */
function delayed(from: Socket, to: Socket, ms: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => to.destroyed || to.write(chunk), ms);
    if (to.writableLength > MAX_HELD) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => setTimeout(() => to.end(), ms));
  from.on('error', () => to.destroy());
}
