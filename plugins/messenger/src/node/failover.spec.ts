import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { raEnv, serve, stopServed, type Served } from '../server/testing/ra.js';
import { RedisRig } from '../server/testing/redis.js';
import { openRelay, punch } from './paths/index.js';
import { MessengerRoute } from './route.js';
import { clientIn, recordingLogger, until } from './testing/messenger.js';

const PASSWORD = 'correct horse battery';
/** Each node on its own loopback address, both on one port: what a name with two addresses leads to. */
const ADDRESSES = ['127.0.0.1', '127.0.0.2'];
/** The address each node tells clients in grants; nothing listens there, as for a client that cannot reach that node. */
const PUBLIC = ['127.0.0.8', '127.0.0.9'];

/**
 * The client's side of a messenger on several nodes, against two real `ra messenger serve --redis` processes
 * on a real redis-server: the server setting lists both (or names both), a node killed with SIGKILL costs the
 * client a reconnection to the other, and a relay node it cannot reach is reached through its own node.
 */
describe('messenger client on two nodes (real ra messenger serve processes sharing a real Redis)', function () {
  this.timeout(180_000);
  let redis: RedisRig;
  let env: NodeJS.ProcessEnv;
  let port: number;
  const nodes: Served[] = [];
  const homes: { dispose(): Promise<void> }[] = [];
  const streams: Duplex[] = [];

  const start = async (i: number) => {
    const data = await mkdtemp(join(tmpdir(), `ra-client-node${i}-`));
    nodes[i] = await serve(env, [
      ...['--redis', redis.url, '--host', ADDRESSES[i], '--port', String(port), '--relay-port', '0'],
      ...['--public', PUBLIC[i], '--internal', ADDRESSES[i], '--data', data],
    ]);
  };
  const signedIn = async (user: string, server: string, options: Parameters<typeof clientIn>[1] = {}) => {
    const made = await clientIn(undefined, options);
    homes.push(made);
    await made.client.signIn({ server, fingerprint: nodes[0].fingerprint, user, password: PASSWORD, register: { displayName: user } });
    return made;
  };
  /** Kills the node `node` names with SIGKILL and waits until the client is connected to the other one. */
  const killUnder = async (client: Awaited<ReturnType<typeof signedIn>>['client']) => {
    const node = client.status().node ?? '';
    const dying = ADDRESSES.findIndex((a) => node.includes(a));
    assert.ok(dying >= 0, `connected to one of the nodes: ${node}`);
    const killed = Date.now();
    process.kill(nodes[dying].child.pid!, 'SIGKILL');
    const other = ADDRESSES[1 - dying];
    await until(() => client.status().connection === 'connected' && (client.status().node ?? '').includes(other), `the client on ${other}`, 15_000);
    const took = Date.now() - killed;
    await start(dying);
    return { took, from: node, to: client.status().node };
  };

  before(async () => {
    redis = await RedisRig.start();
    env = await raEnv();
    port = await portFreeOn(ADDRESSES);
    await start(0);
    await start(1);
  });
  after(async () => {
    for (const s of streams) s.destroy();
    for (const home of homes) await home.dispose();
    await stopServed(nodes);
    await redis?.stop();
    if (env?.RA_HOME) await rm(env.RA_HOME, { recursive: true, force: true });
  });

  it('with both listed: connected to one, and on the other within 3 s of that one being killed with SIGKILL', async () => {
    assert.equal(nodes[1].fingerprint, nodes[0].fingerprint, 'the nodes show one certificate, which the client trusts for both');
    const nora = await signedIn('nora', ADDRESSES.map((a) => `${a}:${port}`).join(', '));
    assert.equal(nora.client.status().server, `127.0.0.1:${port}, 127.0.0.2:${port}`);
    assert.match(nora.client.status().node ?? '', new RegExp(`^127\\.0\\.0\\.[12]:${port}$`));
    const { took, from, to } = await killUnder(nora.client);
    assert.ok(took <= 3000, `back on a node ${took} ms after ${from} was killed`);
    assert.ok(
      nora.log.some((l) => /messenger connecting: /.test(l)),
      nora.log.join('\n'),
    );
    console.log(`      figures: reconnected from ${from} to ${to} ${took} ms after SIGKILL`);
  });

  it('with a name that resolves to both: at each of its addresses, and on the other within 3 s of one being killed', async () => {
    const resolve = async (host: string) => (host === 'nodes.ra.test' ? ADDRESSES : []);
    const hank = await signedIn('hank', `nodes.ra.test:${port}`, { connection: { resolve } });
    assert.match(hank.client.status().node ?? '', new RegExp(`^nodes\\.ra\\.test:${port} \\(127\\.0\\.0\\.[12]\\)$`));
    const { took, from, to } = await killUnder(hank.client);
    assert.ok(took <= 3000, `back on a node ${took} ms after ${from} was killed`);
    console.log(`      figures: reconnected from ${from} to ${to} ${took} ms after SIGKILL`);
  });

  it("meets a peer on another node through its own node when the grant's relay node cannot be reached; that node forwards", async () => {
    // Each starts at the first node it lists: the novice on the first node, the helper on the second.
    const first = { connection: { random: () => 0 } };
    const ada = await signedIn('ada', `127.0.0.1:${port}, 127.0.0.2:${port}`, first);
    const bob = await signedIn('bob', `127.0.0.2:${port}, 127.0.0.1:${port}`, first);
    assert.deepEqual([ada.client.status().node, bob.client.status().node], [`127.0.0.1:${port}`, `127.0.0.2:${port}`]);
    await ada.client.request({ type: 'contact.request', user: 'bob' });
    await until(() => bob.client.contacts().length === 1, "ada's request");
    await bob.client.request({ type: 'contact.accept', user: 'ada' });
    await until(() => ada.client.contacts()[0]?.presence === 'online', 'bob online for ada');
    const [noviceLog, helperLog] = [recordingLogger(), recordingLogger()];
    const novice = new MessengerRoute(ada.client, { openRelay, punch }, noviceLog);
    const helper = new MessengerRoute(bob.client, { openRelay, punch }, helperLog);
    const accepted: Duplex[] = [];
    const listening = await novice.listen((stream) => void (streams.push(stream), accepted.push(stream)), { kinds: ['relayed'] });
    const asked = Date.now();
    const [attempt] = helper.connect(listening.addresses[0], { timeoutMs: 20_000, invitationId: 'inv-1', kinds: ['relayed'] });
    const stream = await attempt.stream;
    streams.push(stream);
    await until(() => accepted.length === 1, 'the novice to take the relay');
    const took = Date.now() - asked;
    stream.write('hello from bob');
    assert.equal(String((await once(accepted[0], 'data'))[0]), 'hello from bob');
    accepted[0].write('hello from ada');
    assert.equal(String((await once(stream, 'data'))[0]), 'hello from ada');
    listening.dispose();
    // The grant named the helper's node (its public address, which nobody can reach here): each went through its own.
    for (const log of [noviceLog, helperLog]) assert.match(log.lines.join('\n'), /the relay node 127\.0\.0\.9 cannot be reached .* which forwards/);
    assert.match(nodes[0].stderr(), /forwarding ada \(novice, .*\) to node /);
    assert.ok(took < 5000, `met ${took} ms after the helper asked`);
    console.log(`      figures: met through the nodes ${took} ms after the helper asked`);
  });
});

/** A port free on each of `addresses`, for nodes that share one port on different addresses. */
async function portFreeOn(addresses: readonly string[]): Promise<number> {
  for (;;) {
    const first = createServer().listen(0, addresses[0]);
    await once(first, 'listening');
    const { port } = first.address() as { port: number };
    const others = addresses.slice(1).map((a) => createServer().listen(port, a));
    const free = await Promise.all(
      others.map((s) =>
        once(s, 'listening').then(
          () => true,
          () => false,
        ),
      ),
    );
    for (const server of [first, ...others]) server.close();
    if (free.every(Boolean)) return port;
  }
}
