import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePeer, punch } from './index.js';
import { freePort } from '@ra/kernel/testing';

const run = promisify(execFile);

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('messenger paths: punch (TCP simultaneous open)', function () {
  this.timeout(30_000);
  const cleanup: (() => unknown)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('connects from the port of a live connection (as the relay connection is), and the peer sees that port', async () => {
    const seen: Socket[] = [];
    const relayLike = createServer();
    const peer = createServer((s) => seen.push(s));
    const [relayPort, peerPort] = [await listen(relayLike), await listen(peer)];
    cleanup.push(
      () => relayLike.close(),
      () => peer.close(),
    );
    const held = connect({ host: '127.0.0.1', port: relayPort, localAddress: '0.0.0.0', localPort: 0 });
    await once(held, 'connect');
    const socket = await punch(held.localPort!, `127.0.0.1:${peerPort}`, 2000);
    cleanup.push(
      () => held.destroy(),
      () => socket.destroy(),
      () => seen.forEach((s) => s.destroy()),
    );
    assert.equal(socket.localPort, held.localPort);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen[0]?.remotePort, held.localPort);
    assert.equal(socket.allowHalfOpen, true);
  });

  it('gives up at its deadline with the last reason, and leaves no socket behind', async () => {
    const [local, closed] = [await freePort(), await freePort()];
    const before = tcpHandles();
    const started = Date.now();
    await assert.rejects(punch(local, `127.0.0.1:${closed}`, 700), {
      message: `no direct connection to 127.0.0.1:${closed} within 0.7 s (ECONNREFUSED)`,
    });
    const took = Date.now() - started;
    assert.ok(took >= 650 && took < 2000, `took ${took} ms`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(tcpHandles(), before);
  });

  it('stops when cancelled, and says why a peer is not an address', async () => {
    const abort = new AbortController();
    const trying = punch(await freePort(), `127.0.0.1:${await freePort()}`, 10_000, abort.signal);
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(trying, { name: 'AbortError' });
    assert.throws(() => parsePeer('example.org:80'), { message: '"example.org:80" is not an address and port (ip:port)' });
    assert.deepEqual(parsePeer('[::1]:443'), { host: '::1', port: 443 });
    await assert.rejects(punch(0, '127.0.0.1:9', 100), { message: 'the local port 0 is not a port' });
  });

  it("opens a direct connection from both relay connections' ports at once, where unsolicited SYNs are dropped", async function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: a private network namespace needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)');
      return this.skip();
    }
    const script = fileURLToPath(new URL('./testing/simultaneous-open.js', import.meta.url));
    const setup = 'ip link set lo up && iptables -A OUTPUT -p tcp --tcp-flags RST RST -j DROP';
    const { stdout } = await run('unshare', ['-n', 'sh', '-c', `${setup} && exec "${process.execPath}" --import @ra/test-kit/register "${script}"`], {
      timeout: 25_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
      got: string;
      a: { local: number; remote: number };
      b: { local: number; remote: number };
      ports: number[];
      relayStillUp: boolean;
    };
    assert.equal(result.got, 'over the punched hole');
    // Each side's direct socket uses its relay connection's port and reaches the other's.
    assert.deepEqual([result.a.local, result.a.remote, result.b.local, result.b.remote], [result.ports[0], result.ports[1], result.ports[1], result.ports[0]]);
    assert.equal(result.relayStillUp, true);
  });
});
