import assert from 'node:assert/strict';
import { openRelay, type RelayPath } from '../../node/paths/index.js';
import type { RelayCluster } from './forward.js';
import { firstLine, rawConnect, receive, send } from './testing/clients.js';
import { throwawayCertificate, type Certificate } from './testing/certificates.js';
import { RelayRig } from './testing/rig.js';
import { RelayTokens } from './tokens.js';

const MiB = 1024 * 1024;

describe('messenger relay across nodes: a client that reaches another node is forwarded to its session’s relay node', function () {
  this.timeout(60_000);
  let cert: Certificate;
  let x: RelayRig;
  let b: RelayRig;
  const paths: RelayPath[] = [];
  /** The nodes one shared token store and one certificate make; which of them count as nodes. */
  const live = new Map<string, number>();
  let nodesAre = true;
  const cluster = (node: string): RelayCluster => ({
    node,
    trust: { fingerprint: cert.fingerprint },
    locate: (id) => (live.has(id) ? { host: '127.0.0.1', port: live.get(id)! } : undefined),
    isNode: () => nodesAre,
  });

  before(async () => (cert = await throwawayCertificate()));
  beforeEach(async () => {
    nodesAre = true;
    const tokens = new RelayTokens();
    x = await RelayRig.start({ cert, tokens, cluster: cluster('x') });
    b = await RelayRig.start({ cert, tokens, cluster: cluster('b') });
    live.set('x', x.tcpPort).set('b', b.tcpPort);
  });
  afterEach(async () => {
    for (const path of paths.splice(0)) path.stream.destroy();
    await Promise.all([x.close(), b.close()]);
    live.clear();
  });

  const grant = async (node: string) => {
    const session = `s${Math.random()}`;
    return {
      novice: await x.tokens.mint({ session, side: 'novice', user: 'nora', node }),
      helper: await x.tokens.mint({ session, side: 'helper', user: 'hugo', node }),
    };
  };
  const open = async (rig: RelayRig, token: string, via: 'tcp' | 'websocket' = 'tcp') => {
    const path = await openRelay(rig.target(token), { timeoutMs: 20_000, via });
    paths.push(path);
    return path;
  };

  for (const via of ['tcp', 'websocket'] as const) {
    it(`pairs a novice at the relay node with a helper (${via}) at another node, bytes unchanged both ways, each seeing where the other really is`, async () => {
      const g = await grant('x');
      const [novice, helper] = await Promise.all([open(x, g.novice), open(b, g.helper, via)]);
      assert.equal(novice.peerSeenAt, `127.0.0.1:${helper.localPort}`, 'the novice sees the helper, not the forwarding node');
      assert.equal(helper.peerSeenAt, `127.0.0.1:${novice.localPort}`);
      assert.deepEqual([x.relay.stats().paired, b.relay.stats().forwarded], [1, 1]);
      const n = 2 * MiB + 3;
      const [toHelper, fromNovice, toNovice, fromHelper] = await Promise.all([
        send(novice.stream, n),
        receive(helper.stream, n),
        send(helper.stream, n),
        receive(novice.stream, n),
      ]);
      assert.equal(fromNovice, toHelper);
      assert.equal(fromHelper, toNovice);
      // The forwarding node held at most about its mark per direction while 2 MiB crossed: backpressure, not buffering.
      assert.ok(b.relay.stats().buffered < 2 * MiB);
      helper.stream.destroy();
      await eventually(() => x.relay.stats().paired === 0 && b.relay.stats().paired === 0, 'both nodes end the session');
      assert.match(b.lines.join('\n'), /forwarding hugo \(helper, .* from 127\.0\.0\.1:\d+\) to node x/);
    });
  }

  it('forwards both sides when neither reaches the relay node directly', async () => {
    const g = await grant('x');
    const [novice, helper] = await Promise.all([open(b, g.novice), open(b, g.helper)]);
    assert.equal(novice.peerSeenAt, `127.0.0.1:${helper.localPort}`);
    const [sent, got] = await Promise.all([send(novice.stream, 100_000), receive(helper.stream, 100_000)]);
    assert.equal(got, sent);
    assert.equal(b.relay.stats().forwarded, 2);
  });

  it('refuses plainly when the relay node is gone, and a client that says where it is seen from unless it is a node', async () => {
    const g = await grant('x');
    live.delete('x');
    await assert.rejects(open(b, g.helper), { message: 'the relay node x of this session is not running; ask for the session again' });
    nodesAre = false;
    const socket = await rawConnect(x);
    socket.write(`RELAY1 ${g.novice} 10.9.8.7:4444\n`);
    assert.equal(await firstLine(socket), 'ERROR only a messenger node may say where a client is seen from');
    socket.destroy();
  });
});

async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const until = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > until) throw new Error(`${what} did not happen`);
}
