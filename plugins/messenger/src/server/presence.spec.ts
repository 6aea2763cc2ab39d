import assert from 'node:assert/strict';
import { aggregate } from './presence.js';
import { MessengerRig } from './testing/harness.js';

describe('messenger server: presence', () => {
  let rig: MessengerRig;
  afterEach(() => rig?.stop());

  it('aggregates devices: the liveliest wins, none is offline, one appearing offline hides them all', () => {
    assert.equal(aggregate([]), 'offline');
    assert.equal(
      aggregate([
        { device: 'a', presence: 'away' },
        { device: 'b', presence: 'busy' },
      ]),
      'busy',
    );
    assert.equal(
      aggregate([
        { device: 'a', presence: 'away' },
        { device: 'b', presence: 'online' },
      ]),
      'online',
    );
    assert.equal(
      aggregate([
        { device: 'a', presence: 'online' },
        { device: 'b', presence: 'appear-offline' },
      ]),
      'offline',
    );
  });

  it('is pushed to mutual contacts only, per user and not per device', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    const ida = await rig.user('ida');
    await rig.befriend(nora, hugo);
    await ida.ok({ type: 'contact.request', user: 'nora' }); // asked, not mutual
    nora.frames.length = 0;
    ida.frames.length = 0;
    await hugo.ok({ type: 'presence.set', state: 'away' });
    assert.deepEqual(nora.take('presence'), { type: 'presence', user: 'hugo', presence: 'away' });
    const phone = await rig.login('hugo', 'phone');
    assert.equal(nora.all('presence').length, 0, 'a new device takes the chosen state: nothing changes');
    await phone.ok({ type: 'presence.set', state: 'online' });
    assert.deepEqual(nora.take('presence'), { type: 'presence', user: 'hugo', presence: 'online' });
    await phone.disconnect();
    assert.deepEqual(nora.take('presence'), { type: 'presence', user: 'hugo', presence: 'away' }, 'the laptop is still there');
    await hugo.disconnect();
    assert.deepEqual(nora.take('presence'), { type: 'presence', user: 'hugo', presence: 'offline' });
    assert.equal(ida.all('presence').length, 0, 'a user who is not a mutual contact sees nothing');
    // Nora's own changes reach hugo when he is back, and not ida.
    const back = await rig.login('hugo', 'laptop');
    assert.equal(back.client.signIn?.user.name, 'hugo');
    await nora.ok({ type: 'presence.set', state: 'busy' });
    assert.deepEqual(back.take('presence'), { type: 'presence', user: 'nora', presence: 'busy' });
    assert.equal(ida.all('presence').length, 0);
  });

  it('appear offline looks exactly like offline, survives a reconnect, and is in the welcome', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    await rig.befriend(nora, hugo);
    await hugo.ok({ type: 'presence.set', state: 'appear-offline' });
    assert.deepEqual(nora.take('presence'), { type: 'presence', user: 'hugo', presence: 'offline' });
    await hugo.disconnect();
    assert.equal(nora.all('presence').length, 0, 'going away while invisible changes nothing others see');
    const d = rig.device();
    const reply = await d.ok({ type: 'login', user: 'hugo', password: 'hugo-password', device: 'laptop' });
    assert.equal(d.take('welcome', { ref: (reply as { ref: string }).ref }).presence, 'appear-offline');
    assert.equal(nora.all('presence').length, 0);
    const list = rig.device();
    await list.ok({ type: 'login', user: 'nora', password: 'nora-password', device: 'phone' });
    assert.deepEqual(list.take('welcome').contacts, [{ user: 'hugo', displayName: 'HUGO', relation: 'mutual', presence: 'offline' }]);
  });

  it('the same device connecting again replaces its old connection', async () => {
    rig = await MessengerRig.start();
    const first = await rig.user('nora');
    const second = await rig.login('nora', 'laptop');
    assert.deepEqual(first.closes, [[4000, 'this device connected again']]);
    await first.disconnect();
    assert.equal((await rig.messenger.hub.bus.devices('nora')).length, 1, 'closing the old one leaves the new one online');
    assert.ok(second.client.signIn);
  });
});
