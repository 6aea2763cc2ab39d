import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { ServerFrame } from '../../common/protocol.js';
import type { DeviceLink } from '../bus.js';
import { eventually } from '../testing/harness.js';
import { RedisRig } from '../testing/redis.js';
import { RedisBus } from './bus.js';
import { RedisLink } from './link.js';

/** A device's connection as the bus sees it, keeping what it was sent. */
class Link implements DeviceLink {
  readonly frames: ServerFrame[] = [];
  replacedTimes = 0;

  constructor(
    readonly user: string,
    readonly device: string,
  ) {}

  send(frame: ServerFrame): void {
    this.frames.push(frame);
  }

  replaced(): void {
    this.replacedTimes++;
  }
}

const frame = (n: number): ServerFrame => ({ type: 'presence', user: 'ada', presence: n % 2 ? 'busy' : 'away' });

/** RedisBus on a real redis-server, each bus with its own connections as separate nodes have. */
describe('messenger bus on Redis: routing by a channel per user', function () {
  this.timeout(30_000);
  let rig: RedisRig;
  let links: RedisLink[] = [];
  let buses: RedisBus[] = [];
  const bus = async (node: string) => {
    const link = await RedisLink.open(rig.url, () => undefined);
    links.push(link);
    const made = new RedisBus(
      link,
      node,
      async () => undefined,
      () => undefined,
    );
    buses.push(made);
    return made;
  };
  const redis = () => links[0];

  before(async () => (rig = await RedisRig.start()));
  beforeEach(async () => {
    const link = await RedisLink.open(rig.url, () => undefined);
    await link.run((r) => r.flushAll());
    await link.close();
  });
  afterEach(async () => {
    for (const b of buses) b.close();
    await Promise.all(links.map((l) => l.close()));
    [links, buses] = [[], []];
    sinon.restore();
  });
  after(() => rig?.stop());

  it('a frame reaches only the node holding the user, and each of its devices but `except` (or only `only`)', async () => {
    const [one, two, three] = [await bus('one'), await bus('two'), await bus('three')];
    const heard = [one, two, three].map((b) => sinon.spy(b as unknown as { receive(user: string, text: string): void }, 'receive'));
    const [laptop, phone] = [new Link('bob', 'laptop'), new Link('bob', 'phone')];
    await two.attach(laptop, 'online');
    await two.attach(phone, 'busy');
    await one.attach(new Link('ada', 'laptop'), 'online');
    await one.publish('bob', frame(1));
    await three.publish('bob', frame(2), { except: 'phone' });
    await one.publish('bob', frame(3), { only: 'phone' });
    await eventually(() => heard[1].callCount === 3);
    assert.deepEqual(laptop.frames, [frame(1), frame(2)]);
    assert.deepEqual(phone.frames, [frame(1), frame(3)]);
    assert.deepEqual(
      heard.map((h) => h.callCount),
      [0, 3, 0],
      'only the node holding bob heard his channel',
    );
    assert.deepEqual((await redis().run((r) => r.pubSubChannels('ra:*'))).sort(), ['ra:u:ada', 'ra:u:bob'], 'a channel per user held, none else');
    assert.deepEqual(await two.devices('bob'), [
      { device: 'laptop', presence: 'online' },
      { device: 'phone', presence: 'busy' },
    ]);
    assert.ok((await redis().run((r) => r.pTTL('ra:pres:bob'))) > 50_000, 'presence expires by itself unless refreshed');
    assert.deepEqual(await redis().run((r) => r.sMembers('ra:node:two:users')), ['bob']);
    await two.detach(laptop);
    assert.deepEqual(await redis().run((r) => r.pubSubNumSub('ra:u:bob')), { 'ra:u:bob': 1 }, 'still held on the phone');
    await two.detach(phone);
    assert.deepEqual(await redis().run((r) => r.pubSubNumSub('ra:u:bob')), { 'ra:u:bob': 0 }, 'its last device gone, the node stops listening');
    assert.deepEqual(await redis().run((r) => r.sMembers('ra:node:two:users')), []);
    assert.deepEqual(await one.devices('bob'), []);
  });

  it('a device signing in on another node replaces its old link there; the old node lets go of the user', async () => {
    const [one, two] = [await bus('one'), await bus('two')];
    const old = new Link('bob', 'laptop');
    await one.attach(old, 'away');
    const moved = new Link('bob', 'laptop');
    assert.equal(await two.attach(moved, 'away'), undefined, 'the old link is on another node: that node closes it');
    await eventually(() => old.replacedTimes === 1);
    assert.equal(await one.detach(old), false, 'the old link was let go already');
    assert.deepEqual(await two.devices('bob'), [{ device: 'laptop', presence: 'away' }]);
    assert.deepEqual(JSON.parse((await redis().run((r) => r.hGet('ra:pres:bob', 'laptop')))!), { node: 'two', presence: 'away' });
    await eventually(async () => (await redis().run((r) => r.pubSubNumSub('ra:u:bob')))['ra:u:bob'] === 1);
    await one.publish('bob', frame(1));
    await eventually(() => moved.frames.length === 1);
    assert.deepEqual(old.frames, []);
  });

  it('a user’s last device going while another signs in on the same node leaves the node listening, once', async () => {
    const [one, two] = [await bus('one'), await bus('two')];
    const [laptop, phone] = [new Link('bob', 'laptop'), new Link('bob', 'phone')];
    await one.attach(laptop, 'online');
    // The attach asks Redis first; the detach of the last device lets go meanwhile and unsubscribes after its own round trip.
    const attached = one.attach(phone, 'online');
    const detached = one.detach(laptop);
    await Promise.all([attached, detached]);
    await two.publish('bob', frame(1));
    await two.publish('bob', frame(2));
    await eventually(() => phone.frames.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(phone.frames, [frame(1), frame(2)], 'each frame once');
    assert.deepEqual(await redis().run((r) => r.sMembers('ra:node:one:users')), ['bob']);
  });

  it('chosen presence is shared by the nodes and forgotten with the user', async () => {
    const [one, two] = [await bus('one'), await bus('two')];
    assert.equal(await two.chosen('bob'), undefined);
    await one.choose('bob', 'appear-offline');
    assert.equal(await two.chosen('bob'), 'appear-offline');
    await two.choose('bob', 'online');
    assert.equal(await one.chosen('bob'), undefined, 'online is the default: nothing kept');
    await one.choose('bob', 'busy');
    await two.forget('bob');
    assert.equal(await one.chosen('bob'), undefined);
  });
});
