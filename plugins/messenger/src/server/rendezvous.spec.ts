import assert from 'node:assert/strict';
import { MessengerRig } from './testing/harness.js';

describe('messenger server: session rendezvous', () => {
  let rig: MessengerRig;
  afterEach(() => rig?.stop());

  it('mints one relay token per side and sends each side its own session.start', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    await rig.befriend(nora, hugo);
    const phone = await rig.login('nora', 'phone');
    const helper = await hugo.ok({ type: 'session.request', to: 'nora', invitationId: 'inv-1' });
    assert.equal(helper.type, 'session.start');
    const novice = nora.take('session.start');
    assert.deepEqual(phone.take('session.start'), novice, "every novice device gets the novice's grant");
    if (helper.type !== 'session.start') return;
    assert.deepEqual([helper.side, helper.peer, novice.side, novice.peer], ['helper', 'nora', 'novice', 'hugo']);
    assert.equal(helper.session, novice.session);
    assert.deepEqual(helper.relay.wsPort, 4000);
    assert.deepEqual(helper.relay.tcpPort, 4001);
    assert.notEqual(helper.relay.token, novice.relay.token);
    assert.deepEqual(await rig.tokens.take(novice.relay.token), { session: novice.session, side: 'novice', user: 'nora' });
    assert.deepEqual(await rig.tokens.take(helper.relay.token), { session: novice.session, side: 'helper', user: 'hugo' });
    await assert.rejects(rig.tokens.take(helper.relay.token), /already used/);
  });

  it("refuses strangers, says plainly when the novice's RA is off, and is rate-limited", async () => {
    rig = await MessengerRig.start({ limits: { sessionRequests: { burst: 2, windowMs: 60_000 } } });
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    const stranger = await hugo.request({ type: 'session.request', to: 'nora', invitationId: 'x' });
    assert.deepEqual([(stranger as { code: string }).code], ['not-contact']);
    await rig.befriend(nora, hugo);
    await nora.disconnect();
    const off = await hugo.request({ type: 'session.request', to: 'nora', invitationId: 'x' });
    assert.equal((off as { code: string }).code, 'novice-offline');
    assert.equal((off as { message: string }).message, "nora's RA is off or signed out of the messenger; ask nora to start RA and sign in, then try again");
    assert.equal(((await hugo.request({ type: 'session.request', to: 'nora', invitationId: 'x' })) as { code: string }).code, 'rate-limited');
  });
});
