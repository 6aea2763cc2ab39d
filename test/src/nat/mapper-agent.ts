/**
 * The novice's side of the port-mapping specs, run in its namespace: `node mapper-agent.js PORT`. Listens on
 * PORT (answering `hello from novice`), asks the router to map it with ra.upnp's PortMapper and prints
 * `mapped PROTOCOL IP:PORT` (or `failed REASON`); on `release` from standard input removes the mapping and
 * prints `released`.
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { PortMapper } from '@ra/plugin-upnp/node';

const port = Number(process.argv[2]);
const log = (level: string) => (message: string) => console.error(`[${level}] ${message}`);
const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

const server = createServer((socket) => socket.end('hello from novice\n'));
await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
try {
  const mapping = await new PortMapper(logger).map(port);
  console.log(`mapped ${mapping.protocol} ${mapping.external}`);
  createInterface({ input: process.stdin }).once('line', async () => {
    await mapping.release();
    console.log('released');
  });
} catch (e) {
  console.log(`failed ${(e as Error).message}`);
}
