/**
 * Plain TCP sockets for the NAT lab, run inside a namespace: `node probe.js ROLE ARGS…`. It prints one line per
 * event for the spec to wait for, and reads the peer's address on standard input.
 *
 *   rendezvous PORT            answers each connection with the address it is seen from, `IP:PORT\n`
 *   listen PORT NAME           answers each connection with `hello from NAME\n`
 *   connect IP:PORT MS         connects, prints `connected <line it read>` or `failed <code>` (a timeout: `failed timeout`)
 *   hole IP:PORT NAME MS       learns its seen address from the rendezvous at IP:PORT (`seen IP:PORT`), reads
 *                              `peer IP:PORT` and tries TCP simultaneous open from the same local port for MS,
 *                              then both sides say hello: `punched <line the peer sent>` or `failed <reason>`
 */
import { createServer, connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { punch } from './punch.js';

const [role, ...args] = process.argv.slice(2);

function split(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

function firstLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before a line')));
  });
}

/** Answers each connection with one line; `keep` leaves it open, as a relay connection stays while its side punches. */
function serve(port: number, answer: (socket: Socket) => string, keep = false): void {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    if (keep) socket.write(answer(socket));
    else socket.end(answer(socket));
  });
  server.listen(port, '0.0.0.0', () => console.log('ready'));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  switch (role) {
    case 'rendezvous':
      return serve(Number(args[0]), (s) => `${s.remoteAddress}:${s.remotePort}\n`, true);
    case 'listen':
      return serve(Number(args[0]), () => `hello from ${args[1]}\n`);
    case 'connect': {
      const socket = connect({ ...split(args[0]), timeout: Number(args[1]) });
      socket.once('timeout', () => socket.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      try {
        console.log(`connected ${await firstLine(socket)}`);
      } catch (e) {
        console.log(`failed ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return process.exit(0);
    }
    case 'hole': {
      // From a port bound explicitly: only then does libuv set SO_REUSEADDR, which punching from it needs while this stays open.
      const rendezvous = connect({ ...split(args[0]), localPort: await freePort() });
      const seen = await firstLine(rendezvous);
      const localPort = rendezvous.localPort!;
      console.log(`seen ${seen} local ${localPort}`);
      const peer = await new Promise<string>((resolve) => createInterface({ input: process.stdin }).once('line', (l) => resolve(l.replace(/^peer /, ''))));
      try {
        const socket = await punch(localPort, peer, Number(args[2]));
        socket.write(`hello from ${args[1]}\n`);
        console.log(`punched ${await firstLine(socket)}`);
      } catch (e) {
        console.log(`failed ${(e as Error).message}`);
      }
      return process.exit(0);
    }
    default:
      console.error(`probe: unknown role ${role}`);
      process.exit(2);
  }
}

void main();
