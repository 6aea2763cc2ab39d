import { createServer, type Socket } from 'node:net';
import type { Disposable, DisposableStore } from '../common/disposable.js';
import { token } from '../common/token.js';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
}

export interface Listening extends Disposable {
  readonly host: string;
  readonly port: number;
}

/** Opens listening sockets for a plugin; they close when the plugin deactivates. Guarded by `network`. */
export interface NetworkListener {
  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listening>;
}

export const NetworkListener = token<NetworkListener>('NetworkListener');

/** One plugin's sockets: each listener and its connections close when the plugin deactivates. */
export class PluginNetworkListener implements NetworkListener {
  constructor(private readonly owned: DisposableStore) {}

  async listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listening> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      onConnection(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    return this.owned.add({
      host: options.host,
      port,
      dispose: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    });
  }
}
