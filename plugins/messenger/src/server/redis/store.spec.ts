import assert from 'node:assert/strict';
import { StoreUnavailable } from '../store.js';
import { RedisRig } from '../testing/redis.js';
import { invite, storeContract, user } from '../testing/store-contract.js';
import { RedisLink } from './link.js';
import { RedisStore } from './store.js';

describe('messenger server: the Redis store (a real redis-server)', function () {
  this.timeout(60_000);
  let rig: RedisRig;
  const links: RedisLink[] = [];
  /** A node's store: its own connections to the one Redis. */
  const node = async () => {
    const link = await RedisLink.open(rig.url, () => undefined);
    links.push(link);
    return new RedisStore(link);
  };

  before(async () => (rig = await RedisRig.start()));
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  after(() => rig?.stop());

  storeContract('RedisStore', async () => {
    const store = await node();
    await links.at(-1)!.run((r) => r.flushAll());
    return store;
  });

  describe('two nodes at once', () => {
    beforeEach(async () => {
      const first = await node();
      await links[0].run((r) => r.flushAll());
      void first;
    });

    it('the first answer to an invitation wins in Redis itself, 50 times out of 50', async () => {
      const [a, b] = [await node(), await node()];
      for (let i = 0; i < 50; i++) {
        await a.addInvite(invite(`race${i}`));
        const answers = await Promise.all([
          a.moveInvite(`race${i}`, ['sent', 'delivered'], 'accepted'),
          b.moveInvite(`race${i}`, ['sent', 'delivered'], 'declined'),
        ]);
        assert.equal(answers.filter((x) => x !== undefined).length, 1, `race ${i}`);
        assert.equal((await a.invite(`race${i}`))?.state, answers.find((x) => x)?.state);
      }
    });

    it('two registrations of one name: exactly one wins', async () => {
      const [a, b] = [await node(), await node()];
      for (let i = 0; i < 20; i++) {
        const results = await Promise.allSettled([a.addUser(user(`same${i}`, 'A')), b.addUser(user(`same${i}`, 'B'))]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      }
      assert.equal(await a.userCount(), 20);
    });
  });

  it('an invitation key expires by itself after its expiry, should no node be left to expire it', async () => {
    const store = await node();
    await store.addInvite(invite('ttl'));
    const ttl = await links[0].run((r) => r.pTTL('ra:inv:ttl'));
    assert.ok(ttl > 60_000 && ttl < 60_000 + 11 * 60_000, `TTL ${ttl} ms`);
  });

  it('while Redis is stopped every call fails at once with StoreUnavailable; after it is back nothing is half-written', async () => {
    const store = await node();
    await links[0].run((r) => r.flushAll());
    await store.addUser(user('nora'));
    await rig.pause();
    const started = Date.now();
    await assert.rejects(store.addUser(user('hugo')), StoreUnavailable);
    await assert.rejects(store.user('nora'), StoreUnavailable);
    await assert.rejects(store.moveInvite('x', ['sent'], 'accepted'), StoreUnavailable);
    assert.ok(Date.now() - started < 1000);
    await rig.resume();
    for (const until = Date.now() + 10_000; !links[0].up; await new Promise((r) => setTimeout(r, 50))) if (Date.now() > until) throw new Error('no reconnect');
    assert.deepEqual(
      (await store.users()).map((u) => u.name),
      ['nora'],
    );
    await store.addUser(user('hugo'));
    assert.equal(await store.userCount(), 2);
  });
});
