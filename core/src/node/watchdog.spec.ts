import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Watchdog, type Stall } from './watchdog.js';

describe('Watchdog', function () {
  this.timeout(20_000);
  let watchdog: Watchdog | undefined;
  afterEach(() => watchdog?.stop());

  /** Blocks the event loop, from a function in this file, for `ms`. */
  function spin(ms: number): void {
    const end = Date.now() + ms;
    while (Date.now() < end);
  }

  it('names the owner of the code that blocked the loop once the loop runs again, and stays quiet while it runs', async () => {
    const stalls: Stall[] = [];
    watchdog = new Watchdog({ stallMs: 400, onStall: (s) => stalls.push(s), onError: (e) => assert.fail(e) });
    watchdog.owners([{ id: 'this.spec', dir: dirname(fileURLToPath(import.meta.url)) }]);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(stalls.length, 0, 'an idle loop is no stall');
    spin(1500);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(stalls.length, 1, JSON.stringify(stalls));
    assert.equal(stalls[0].plugin, 'this.spec');
    assert.match(stalls[0].frame!, /^spin \(file:.*watchdog\.spec\.js:\d+:\d+\)$/);
    assert.ok(stalls[0].ms >= 1000 && stalls[0].ms < 3000, `${stalls[0].ms} ms`);
  });
});
