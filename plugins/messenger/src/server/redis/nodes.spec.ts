import assert from 'node:assert/strict';
import sinon from 'sinon';
import { eventually, MessengerRig, type FakeDevice } from '../testing/harness.js';
import { RedisRig } from '../testing/redis.js';
import { RedisLink, type RedisClient } from './link.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const presenceOf = (d: FakeDevice, user: string) => d.all('presence').filter((f) => f.user === user);

/**
 * Two or three messengers in this process, each a node with its own connections to one real redis-server,
 * as `ra messenger serve --redis` runs them: presence and routing across nodes, the registry reaping a
 * node that stopped beating, and Redis going away and coming back.
 */
describe('messenger nodes on Redis: presence across nodes, dead nodes reaped, Redis away and back', function () {
  this.timeout(90_000);
  let redis: RedisRig;
  let rigs: MessengerRig[] = [];
  const node = async () => {
    const rig = await MessengerRig.start({ redis: redis.url });
    rigs.push(rig);
    return rig;
  };
  const command = async <T>(task: (r: RedisClient) => Promise<T>) => {
    const link = await RedisLink.open(redis.url, () => undefined);
    try {
      return await link.run(task);
    } finally {
      await link.close();
    }
  };

  before(async () => (redis = await RedisRig.start()));
  beforeEach(() => command((r) => r.flushAll()));
  afterEach(async () => {
    await Promise.all(rigs.map((r) => r.stop()));
    rigs = [];
    sinon.restore();
  });
  after(() => redis?.stop());

  it('shows a contact on another node come online, go busy, appear offline and go offline; a choice follows the user to any node', async () => {
    const [one, two] = [await node(), await node()];
    const ada = await one.user('ada');
    const bob = await two.user('bob');
    await one.befriend(ada, bob);
    await bob.disconnect();
    await ada.expect('presence', { user: 'bob', presence: 'offline' });
    const laptop = await two.login('bob', 'laptop');
    await ada.expect('presence', { user: 'bob', presence: 'online' });
    await laptop.ok({ type: 'presence.set', state: 'busy' });
    await ada.expect('presence', { user: 'bob', presence: 'busy' });
    await laptop.ok({ type: 'presence.set', state: 'appear-offline' });
    await ada.expect('presence', { user: 'bob', presence: 'offline' });
    // Bob's phone signs in on the other node: it takes his choice from Redis, so nothing changes for Ada.
    const phone = one.device();
    await phone.ok({ type: 'login', user: 'bob', password: 'bob-password', device: 'phone' });
    assert.equal(phone.take('welcome').presence, 'appear-offline');
    await phone.ok({ type: 'presence.set', state: 'online' });
    await laptop.ok({ type: 'presence.set', state: 'online' });
    await ada.expect('presence', { user: 'bob', presence: 'online' });
    await laptop.disconnect();
    await phone.disconnect();
    await ada.expect('presence', { user: 'bob', presence: 'offline' });
    await sleep(300);
    assert.deepEqual(presenceOf(ada, 'bob'), [], 'each change told once');
    // Ada's own welcome, on the other node, shows Bob as Redis has him.
    const again = two.device();
    await again.ok({ type: 'login', user: 'ada', password: 'ada-password', device: 'phone' });
    assert.deepEqual(
      again.take('welcome').contacts.map((c) => [c.user, c.presence]),
      [['bob', 'offline']],
    );
  });

  it("a frame for a user is published on that user's channel and reaches only the node holding them", async () => {
    const [one, two, three] = [await node(), await node(), await node()];
    const ada = await one.user('ada');
    const bob = await two.user('bob');
    await three.user('carl');
    await one.befriend(ada, bob);
    const heard = [one, two, three].map((rig) => sinon.spy(rig.node!.bus as unknown as { receive(user: string, text: string): void }, 'receive'));
    for (const state of ['busy', 'away', 'online'] as const) await ada.ok({ type: 'presence.set', state });
    for (const state of ['busy', 'away', 'online'] as const) await bob.expect('presence', { user: 'ada', presence: state });
    await sleep(200);
    assert.deepEqual(
      heard.map((h) => h.callCount),
      [0, 3, 0],
      "three frames for bob: bob's node heard them, the others nothing",
    );
    assert.deepEqual((await command((r) => r.pubSubChannels('ra:*'))).sort(), ['ra:u:ada', 'ra:u:bob', 'ra:u:carl']);
  });

  it('a device that signs in on another node replaces its old connection there, and its contacts see no change', async () => {
    const [one, two, three] = [await node(), await node(), await node()];
    const ada = await one.user('ada');
    const old = await two.user('bob');
    await one.befriend(ada, old);
    const moved = await three.login('bob', 'laptop');
    await eventually(() => old.closes.length > 0);
    assert.deepEqual(old.closes, [[4000, 'this device connected again']]);
    await old.disconnect();
    await sleep(300);
    assert.deepEqual(presenceOf(ada, 'bob'), [], 'bob never looked offline');
    assert.equal(await one.messenger.contacts.presence('bob'), 'online');
    assert.deepEqual(await command((r) => r.pubSubNumSub('ra:u:bob')), { 'ra:u:bob': 1 }, "the old node let go of bob's channel");
    await ada.ok({ type: 'presence.set', state: 'busy' });
    await moved.expect('presence', { user: 'ada', presence: 'busy' });
  });

  it('a node that stops beating (killed) is reaped by one other node: its users show offline elsewhere within 12 s', async () => {
    const [one, two, three] = [await node(), await node(), await node()];
    const ada = await one.user('ada');
    const carl = await three.user('carl');
    const laptop = await three.user('bob');
    await two.login('bob', 'phone');
    await one.befriend(ada, carl);
    await one.befriend(ada, laptop);
    const dead = three.node!.id;
    await three.kill();
    const killed = Date.now();
    await ada.expect('presence', { user: 'carl', presence: 'offline' }, 20_000);
    const offlineAfter = Date.now() - killed;
    assert.ok(offlineAfter <= 12_000, `carl showed offline ${offlineAfter} ms after his node died`);
    assert.ok(
      presenceOf(ada, 'bob').every((f) => f.presence === 'online'),
      "bob's phone on a live node keeps him online: only the dead node's devices were removed",
    );
    assert.deepEqual(await one.messenger.hub.bus.devices('bob'), [{ device: 'phone', presence: 'online' }]);
    assert.equal(rigs.flatMap((r) => r.log).filter((l) => l.includes(`node ${dead}`) && l.includes('stopped answering')).length, 1, 'one node reaped it');
    assert.deepEqual(Object.keys(await command((r) => r.hGetAll('ra:nodes'))).sort(), [one.node!.id, two.node!.id].sort());
    assert.equal(await command((r) => r.exists(`ra:node:${dead}:users`)), 0);
    await eventually(() => !one.node!.registry.nodes().some((n) => n.id === dead), 3000);
    // Carl's client reconnects to a live node: he is back for Ada.
    await two.login('carl', 'laptop');
    await ada.expect('presence', { user: 'carl', presence: 'online' });
    console.log(`      figures: offline seen ${offlineAfter} ms after the node stopped beating`);
  });

  it('a node taken for dead while it only stalled writes its devices again when it beats again', async () => {
    const [one, two] = [await node(), await node()];
    const ada = await one.user('ada');
    const bob = await two.user('bob');
    await one.befriend(ada, bob);
    two.node!.registry.stop();
    await ada.expect('presence', { user: 'bob', presence: 'offline' }, 20_000);
    assert.equal(await command((r) => r.hExists('ra:pres:bob', 'laptop')), 0);
    await two.node!.registry.start(() => two.stats());
    await ada.expect('presence', { user: 'bob', presence: 'online' }, 5000);
    assert.deepEqual(JSON.parse((await command((r) => r.hGet('ra:pres:bob', 'laptop')))!), { node: two.node!.id, presence: 'online' });
    assert.ok(two.log.some((l) => /had been taken for dead/.test(l)));
    await ada.ok({ type: 'presence.set', state: 'away' });
    await bob.expect('presence', { user: 'ada', presence: 'away' });
  });

  it('a node that stops cleanly takes its devices out of presence at once, and leaves the registry', async () => {
    const [one, two] = [await node(), await node()];
    const ada = await one.user('ada');
    const bob = await two.user('bob');
    await one.befriend(ada, bob);
    const stopped = Date.now();
    await two.stop();
    rigs = [one];
    await ada.expect('presence', { user: 'bob', presence: 'offline' }, 2000);
    assert.ok(Date.now() - stopped < 2000);
    assert.deepEqual(Object.keys(await command((r) => r.hGetAll('ra:nodes'))), [one.node!.id]);
  });

  it('Redis stopped for 5 s: requests get `unavailable`; once it is back, presence converges and every node hears again', async () => {
    const [one, two] = [await node(), await node()];
    const ada = await one.user('ada');
    const bob = await two.user('bob');
    const carl = await two.user('carl');
    await one.befriend(ada, bob);
    await one.befriend(ada, carl);
    await redis.pause();
    const paused = Date.now();
    await eventually(() => !one.node!.link.up && !two.node!.link.up, 5000, 'both nodes see Redis gone');
    const refused = await ada.request({ type: 'presence.set', state: 'away' });
    assert.deepEqual([refused.type, (refused as { code?: string }).code], ['error', 'unavailable']);
    assert.match((refused as { message: string }).message, /cannot reach its database/);
    const late = one.device();
    const signIn = await late.request({ type: 'login', user: 'carl', password: 'carl-password', device: 'phone' });
    assert.equal((signIn as { code?: string }).code, 'unavailable');
    // Bob leaves while nobody can be told: his node must still let go of him and say so later.
    await bob.disconnect();
    await sleep(5000 - (Date.now() - paused));
    await redis.resume();
    const resumed = Date.now();
    await ada.expect('presence', { user: 'bob', presence: 'offline' }, 20_000);
    const converged = Date.now() - resumed;
    assert.equal(await one.messenger.contacts.presence('bob'), 'offline');
    assert.equal(await one.messenger.contacts.presence('carl'), 'online');
    for (const until = Date.now() + 20_000; (await ada.request({ type: 'presence.set', state: 'away' })).type !== 'ok'; await sleep(100)) {
      if (Date.now() > until) throw new Error('requests still refused 20 s after Redis came back');
    }
    // node-redis subscribed Carl's channel again on its own: Ada's news reaches him on the other node.
    await carl.expect('presence', { user: 'ada', presence: 'away' });
    assert.ok(two.log.some((l) => /Redis is back: wrote the presence of 2 users again/.test(l)));
    assert.equal(Object.keys(await command((r) => r.hGetAll('ra:nodes'))).length, 2, 'no node was taken for dead for the outage');
    console.log(`      figures: presence converged ${converged} ms after Redis came back`);
  });
});
