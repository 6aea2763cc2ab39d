import assert from 'node:assert/strict';
import { RedisRig } from '../testing/redis.js';
import { StoreUnavailable } from '../store.js';
import { RedisLink } from './link.js';

describe('RedisLink (a real redis-server)', function () {
  this.timeout(30_000);
  let rig: RedisRig;
  let link: RedisLink | undefined;

  before(async () => (rig = await RedisRig.start()));
  afterEach(async () => {
    await link?.close();
    link = undefined;
  });
  after(() => rig.stop());

  it('runs commands, and while Redis is stopped refuses them at once with StoreUnavailable, then recovers by itself', async () => {
    const lines: string[] = [];
    link = await RedisLink.open(rig.url, (line) => lines.push(line));
    await link.run((r) => r.set('k', 'v'));
    const changes: boolean[] = [];
    link.onChange((up) => changes.push(up));
    await rig.pause();
    await waitFor(() => !link!.up);
    const started = Date.now();
    const refused = await link.run((r) => r.get('k')).catch((e: Error) => e);
    assert.ok(refused instanceof StoreUnavailable);
    assert.equal(refused.message, `Redis at ${rig.url} is unreachable`);
    assert.ok(Date.now() - started < 500, 'refused at once');
    await rig.resume();
    await waitFor(() => link!.up, 10_000);
    assert.equal(await link.run((r) => r.get('k')), 'v');
    assert.deepEqual(changes, [false, true]);
    assert.match(lines.join('\n'), /unreachable.*refusing new work/);
    assert.match(lines.join('\n'), /is reachable/);
  });

  it('refuses to open with a message that names the address, never the password', async () => {
    const dead = `redis://ops:hunter2hunter2@127.0.0.1:${rig.port + 1}`;
    const e = await RedisLink.open(dead, () => undefined).catch((x: Error) => x);
    assert.match((e as Error).message, /^cannot reach Redis at redis:\/\/ops:\*\*\*@127\.0\.0\.1:\d+/);
    assert.ok(!(e as Error).message.includes('hunter2'));
    const bad = await RedisLink.open('http://x', () => undefined).catch((x: Error) => x);
    assert.match((bad as Error).message, /is not a Redis URL/);
  });
});

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
