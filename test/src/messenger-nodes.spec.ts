import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerFrame } from '@ra/plugin-messenger/api';
import { openRelay, ra, raEnv, RedisRig, serve, stopServed, TestClient, type RelayPath, type Served } from '@ra/plugin-messenger/testing';

type Grant = Extract<ServerFrame, { type: 'session.start' }>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The messenger scaled out: three real `ra messenger serve --redis` processes on one real redis-server.
 * Accounts, presence, invitations and sessions work whichever nodes the two people are on; a node killed
 * with SIGKILL and Redis stopped for 5 s cost nothing but the time they take, which is asserted.
 */
describe('messenger on three nodes sharing one Redis (real redis-server, real ra messenger serve processes)', function () {
  this.timeout(240_000);
  let redis: RedisRig;
  let env: NodeJS.ProcessEnv;
  const nodes: Served[] = [];
  const clients: TestClient[] = [];
  const paths: RelayPath[] = [];

  const start = async (i: number) => {
    const data = await mkdtemp(join(tmpdir(), `ra-node${i}-`));
    nodes[i] = await serve(env, ['--redis', redis.url, '--host', '127.0.0.1', '--public', '127.0.0.1', '--port', '0', '--relay-port', '0', '--data', data]);
  };
  const connect = async (i: number) => {
    const client = await TestClient.connect(nodes[i].port, nodes[i].fingerprint);
    clients.push(client);
    return client;
  };
  const relay = async (grant: Grant, node: { tcpPort: number; wsPort: number } = grant.relay) => {
    const path = await openRelay(
      { host: '127.0.0.1', tcpPort: node.tcpPort, wsPort: node.wsPort, token: grant.relay.token, trust: { fingerprint: nodes[0].fingerprint } },
      { timeoutMs: 20_000, via: 'tcp' },
    );
    paths.push(path);
    return path;
  };
  const ownRelay = (i: number) => ({ tcpPort: nodes[i].relayPort, wsPort: nodes[i].port });

  before(async () => {
    redis = await RedisRig.start();
    env = await raEnv();
    await Promise.all([0, 1, 2].map(start));
  });
  afterEach(async () => {
    for (const path of paths.splice(0)) path.stream.destroy();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await stopServed(nodes);
    await redis?.stop();
  });

  it('shows one certificate on every node, and ra messenger status lists the nodes and Redis', async () => {
    assert.equal(new Set(nodes.map((n) => n.fingerprint)).size, 1, 'every node shows the cluster certificate');
    const { code, stdout } = await ra(env, ['messenger', 'status', '--redis', redis.url, '--json']);
    assert.equal(code, 0, stdout);
    const report = JSON.parse(stdout) as { redis: { up: boolean; version: string }; nodes: { address: string; live: boolean }[] };
    assert.equal(report.redis.up, true);
    assert.match(report.redis.version, /^7\./);
    assert.deepEqual(report.nodes.map((n) => [n.address, n.live]).sort(), nodes.map((n) => [`127.0.0.1:${n.port}`, true]).sort());
    const text = await ra(env, ['messenger', 'status', '--redis', redis.url]);
    assert.match(text.stdout, /3 of 3 nodes live/);
  });

  it('signs in on any node, and contacts, presence and answers reach people on other nodes', async () => {
    const ada = await connect(0);
    const adaToken = await ada.register('ada', 'ada-password-1');
    const bob = await connect(1);
    await bob.register('bob', 'bob-password-1');
    await ada.ok({ type: 'contact.request', user: 'bob' });
    await bob.expect('contact', { contact: { user: 'ada', displayName: 'ada', relation: 'asking', presence: 'offline' } });
    await bob.ok({ type: 'contact.accept', user: 'ada' });
    await ada.expect('contact', { contact: { user: 'bob', displayName: 'bob', relation: 'mutual', presence: 'online' } });
    await bob.ok({ type: 'presence.set', state: 'busy' });
    await ada.expect('presence', { user: 'bob', presence: 'busy' });
    // Ada's token works on the third node; her old connection on the first is replaced.
    const again = await connect(2);
    const welcome = await again.hello(adaToken);
    assert.deepEqual(
      welcome.contacts.map((c: { user: string; presence: string }) => [c.user, c.presence]),
      [['bob', 'busy']],
    );
    assert.equal((await ada.closed).code, 4000, 'the same device on another node replaces the old connection');
    await bob.close();
    await again.expect('presence', { user: 'bob', presence: 'offline' });
  });

  it('offers an invitation on every device of the novice, whatever their nodes; the first answer wins', async () => {
    const ada = await connect(0);
    await ada.login('ada', 'ada-password-1');
    const [laptop, phone] = [await connect(1), await connect(2)];
    await laptop.login('bob', 'bob-password-1', 'laptop');
    await phone.login('bob', 'bob-password-1', 'phone');
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const sent = await ada.ok({ type: 'invite.send', to: 'bob', invitationId: 'inv-1', ticket: 'dGlja2V0', message: 'help', expiresAt });
    assert.equal(sent.type, 'invite.status');
    const invite = (sent as { invite: string }).invite;
    await Promise.all([laptop.expect('invite.offer', { invite }), phone.expect('invite.offer', { invite })]);
    const answers = await Promise.all([
      laptop.request({ type: 'invite.respond', invite, accept: true }),
      phone.request({ type: 'invite.respond', invite, accept: false }),
    ]);
    assert.deepEqual(answers.map((a: ServerFrame) => a.type).sort(), ['error', 'ok'], 'exactly one answer wins');
    const status = await ada.expect('invite.status', { invite, state: answers[0].type === 'ok' ? 'accepted' : 'declined' });
    assert.equal(status.to, 'bob');
  });

  it("sends both sides of a session to the helper's node; a side at another node is forwarded there", async () => {
    const helper = await connect(0);
    await helper.login('ada', 'ada-password-1');
    const novice = await connect(1);
    await novice.login('bob', 'bob-password-1');
    const started = process.hrtime.bigint();
    const mine = (await helper.ok({ type: 'session.request', to: 'bob', invitationId: 'inv-2' })) as Grant;
    const theirs = await novice.expect('session.start', { session: mine.session });
    const acceptToStart = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual([theirs.relay.tcpPort, theirs.relay.wsPort], [nodes[0].relayPort, nodes[0].port], "the novice is sent to the helper's node");
    assert.equal(theirs.relay.host, '127.0.0.1');
    assert.ok(acceptToStart < 2000, `request to both grants took ${acceptToStart} ms`);
    // The novice dials its own node (as a client that cannot reach the helper's would): it forwards.
    const [n, h] = await Promise.all([relay(theirs, ownRelay(1)), relay(mine)]);
    n.stream.write('ping from bob');
    const [data] = (await once(h.stream, 'data')) as [Buffer];
    assert.equal(data.toString(), 'ping from bob');
    assert.match(nodes[1].stderr(), /forwarding bob \(novice, .*\) to node /);
  });

  it('a node killed with SIGKILL: its users show offline elsewhere within 15 s, then as before when they come back on another node, with no pending invitation lost', async () => {
    const ada = await connect(0);
    await ada.login('ada', 'ada-password-1');
    const bob = await connect(2);
    const bobToken = await bob.login('bob', 'bob-password-1');
    // Bob chose busy earlier: his devices take it wherever they sign in.
    await ada.expect('presence', { user: 'bob', presence: 'busy' });
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const sent = (await ada.ok({ type: 'invite.send', to: 'bob', invitationId: 'inv-3', ticket: 'dGlja2V0', message: 'still there?', expiresAt })) as {
      invite: string;
    };
    await bob.expect('invite.offer', { invite: sent.invite });
    const killed = Date.now();
    process.kill(nodes[2].child.pid!, 'SIGKILL');
    await bob.closed;
    await ada.expect('presence', { user: 'bob', presence: 'offline' }, 20_000);
    const offlineAfter = Date.now() - killed;
    assert.ok(offlineAfter <= 15_000, `bob showed offline ${offlineAfter} ms after his node died`);
    const back = await connect(1);
    const welcome = await back.hello(bobToken);
    await ada.expect('presence', { user: 'bob', presence: 'busy' });
    assert.deepEqual(
      welcome.offers.map((o: { invite: string }) => o.invite),
      [sent.invite],
      'the pending invitation is still offered',
    );
    await back.ok({ type: 'invite.respond', invite: sent.invite, accept: true });
    await ada.expect('invite.status', { invite: sent.invite, state: 'accepted' });
    console.log(`      figures: offline seen ${offlineAfter} ms after SIGKILL`);
    await start(2);
  });

  it('Redis stopped for 5 s: requests are refused with `unavailable`, and the nodes recover by themselves', async () => {
    const ada = await connect(0);
    await ada.login('ada', 'ada-password-1');
    const bob = await connect(1);
    await bob.login('bob', 'bob-password-1');
    await redis.pause();
    const stopped = Date.now();
    await sleep(500);
    const refused = await ada.request({ type: 'presence.set', state: 'away' });
    assert.deepEqual([refused.type, (refused as { code?: string }).code], ['error', 'unavailable']);
    assert.match((refused as { message: string }).message, /cannot reach its database/);
    await sleep(5000 - (Date.now() - stopped));
    await redis.resume();
    let recovered = 0;
    for (const until = Date.now() + 20_000; ; await sleep(100)) {
      const reply = await ada.request({ type: 'presence.set', state: 'away' });
      if (reply.type === 'ok') break;
      if (Date.now() > until) throw new Error(`still refused 20 s after Redis came back: ${JSON.stringify(reply)}`);
      recovered++;
    }
    await bob.expect('presence', { user: 'ada', presence: 'away' }, 20_000);
    assert.match(nodes[0].stderr(), /Redis at .* is unreachable/);
    assert.match(nodes[0].stderr(), /Redis at .* is reachable/);
    console.log(`      figures: requests refused for ${recovered} retries after Redis returned`);
  });
});
