import assert from 'node:assert/strict';
import { RedisRig } from '../testing/redis.js';
import { RedisLink } from './link.js';
import { RedisRates } from './rates.js';
import { RedisRelayTokens } from './relay-tokens.js';
import { RedisSchedule } from './schedule.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two "nodes" (each its own connections) share rates, the schedule and relay tokens through one real redis-server. */
describe('messenger server: rates, schedule and relay tokens shared through Redis', function () {
  this.timeout(60_000);
  let rig: RedisRig;
  let links: RedisLink[] = [];
  const node = async () => {
    const link = await RedisLink.open(rig.url, () => undefined);
    links.push(link);
    return link;
  };

  before(async () => (rig = await RedisRig.start()));
  beforeEach(async () => (await node()).run((r) => r.flushAll()));
  afterEach(async () => {
    await Promise.all(links.map((l) => l.close()));
    links = [];
  });
  after(() => rig?.stop());

  it('two nodes take from one budget per key; it refills over the window', async () => {
    let now = 1_000_000;
    const [a, b] = [new RedisRates(await node(), () => now), new RedisRates(await node(), () => now)];
    const rate = { burst: 3, windowMs: 60_000 };
    const taken = [await a.take('invites', 'nora', rate), await b.take('invites', 'nora', rate), await a.take('invites', 'nora', rate)];
    assert.deepEqual(taken, [true, true, true]);
    assert.equal(await b.take('invites', 'nora', rate), false, 'the fourth, on the other node, is refused');
    assert.equal(await b.take('invites', 'hugo', rate), true, 'another key has its own budget');
    now += 20_000;
    assert.equal(await a.take('invites', 'nora', rate), true, 'a third of the window gives one back');
    assert.equal(await b.take('invites', 'nora', rate), false);
  });

  it('sign-in back-off is shared: failures on one node make the other wait, a success on either clears it', async () => {
    let now = 5_000_000;
    const [a, b] = [new RedisRates(await node(), () => now), new RedisRates(await node(), () => now)];
    const rule = { free: 2, baseMs: 1000, maxMs: 8000, forgetMs: 60_000 };
    await a.fail('sign-in', 'nora', rule);
    await b.fail('sign-in', 'nora', rule);
    assert.equal(await a.wait('sign-in', 'nora'), 0, 'two free failures');
    await b.fail('sign-in', 'nora', rule);
    assert.equal(await a.wait('sign-in', 'nora'), 1000);
    await a.fail('sign-in', 'nora', rule);
    assert.equal(await b.wait('sign-in', 'nora'), 2000, 'the wait doubles');
    now += 500;
    assert.equal(await b.wait('sign-in', 'nora'), 1500);
    await b.succeed('sign-in', 'nora');
    assert.equal(await a.wait('sign-in', 'nora'), 0);
  });

  it('runs each due id once across nodes, and a dead node’s ids still run', async () => {
    const runs: string[] = [];
    const task = (who: string) => async (id: string) => void runs.push(`${who}:${id}`);
    const [a, b] = [new RedisSchedule(await node(), Date.now, () => undefined, 50), new RedisSchedule(await node(), Date.now, () => undefined, 50)];
    a.start(task('a'));
    b.start(task('b'));
    for (let i = 0; i < 40; i++) await (i % 2 ? a : b).at(`i${i}`, Date.now() + 100);
    await a.at('cancelled', Date.now() + 100);
    await b.cancel('cancelled');
    await sleep(600);
    assert.equal(runs.length, 40, runs.join(' '));
    assert.equal(new Set(runs.map((r) => r.split(':')[1])).size, 40, 'no id ran twice');
    // Node a "dies" (its timer stops, as SIGKILL would) with work it scheduled: b runs it.
    a.stop();
    await a.at('orphan', Date.now() + 100);
    await sleep(500);
    assert.ok(runs.includes('b:orphan'));
    b.stop();
  });

  it('a failed run is tried again a minute later', async () => {
    let now = Date.now();
    const lines: string[] = [];
    const schedule = new RedisSchedule(
      await node(),
      () => now,
      (line) => lines.push(line),
      30,
    );
    let tries = 0;
    schedule.start(async () => {
      if (++tries === 1) throw new Error('the disk is full');
    });
    await schedule.at('x', now);
    await sleep(200);
    assert.equal(tries, 1);
    assert.match(lines[0], /x could not be done when due \(the disk is full\); trying again in a minute/);
    now += 61_000;
    await sleep(200);
    assert.equal(tries, 2);
    schedule.stop();
  });

  it('a relay token minted on one node is used once on another; of two nodes racing for it exactly one wins', async () => {
    const [a, b] = [new RedisRelayTokens(await node()), new RedisRelayTokens(await node())];
    const token = await a.mint({ session: 's1', side: 'novice', user: 'nora', node: 'n1' });
    assert.deepEqual(await b.peek(token), { session: 's1', side: 'novice', user: 'nora', node: 'n1' });
    assert.deepEqual(await b.take(token), { session: 's1', side: 'novice', user: 'nora', node: 'n1' });
    await assert.rejects(a.take(token), { message: 'the relay token is unknown, expired or was already used' });
    for (let i = 0; i < 50; i++) {
      const t = await a.mint({ session: `r${i}`, side: 'helper', user: 'hugo' });
      const results = await Promise.allSettled([a.take(t), b.take(t)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    }
    const short = new RedisRelayTokens(links[0], 100);
    const expiring = await short.mint({ session: 's2', side: 'helper', user: 'hugo' });
    await sleep(200);
    assert.equal(await b.peek(expiring), undefined);
  });
});
