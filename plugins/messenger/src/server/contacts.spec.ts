import assert from 'node:assert/strict';
import { MessengerRig } from './testing/harness.js';

describe('messenger server: contacts', () => {
  let rig: MessengerRig;
  afterEach(() => rig?.stop());

  it('a request and an accept reach both sides, with presence only once mutual', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    await nora.ok({ type: 'contact.request', user: 'HUGO' });
    assert.deepEqual(nora.take('contact').contact, { user: 'hugo', displayName: 'hugo', relation: 'asked', presence: 'offline' });
    assert.deepEqual(hugo.take('contact').contact, { user: 'nora', displayName: 'NORA', relation: 'asking', presence: 'offline' });
    await hugo.ok({ type: 'contact.accept', user: 'nora' });
    assert.deepEqual(nora.take('contact').contact, { user: 'hugo', displayName: 'HUGO', relation: 'mutual', presence: 'online' });
    assert.deepEqual(hugo.take('contact').contact, { user: 'nora', displayName: 'NORA', relation: 'mutual', presence: 'online' });
    await hugo.ok({ type: 'contact.remove', user: 'nora' });
    assert.deepEqual(nora.take('contact.gone'), { type: 'contact.gone', user: 'hugo' });
    assert.deepEqual(hugo.take('contact.gone'), { type: 'contact.gone', user: 'nora' });
  });

  it('a request to a user who does not exist gets the same ok and the same view as one to a real user', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    await rig.user('hugo');
    assert.equal((await nora.request({ type: 'contact.request', user: 'hugo' })).type, 'ok');
    assert.equal((await nora.request({ type: 'contact.request', user: 'ghost' })).type, 'ok');
    const [real, ghost] = nora.all('contact').map((f) => f.contact);
    assert.deepEqual({ ...real, user: 'x', displayName: 'x' }, { ...ghost, user: 'x', displayName: 'x' });
    assert.equal(real.displayName, 'hugo', 'no display name before they answer');
  });

  it('blocking is silent: the blocked user sees the blocker go offline and can still ask, invite and meet without learning why', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    await rig.befriend(nora, hugo);
    await nora.ok({ type: 'contact.block', user: 'hugo' });
    assert.deepEqual(nora.take('contact').contact, { user: 'hugo', displayName: 'HUGO', relation: 'blocked', presence: 'offline' });
    assert.deepEqual(hugo.take('presence'), { type: 'presence', user: 'nora', presence: 'offline' }, 'the same frame as nora going offline');
    assert.equal(hugo.frames.length, 0);
    assert.equal((await hugo.request({ type: 'contact.request', user: 'nora' })).type, 'ok');
    const invite = await hugo.request({
      type: 'invite.send',
      to: 'nora',
      invitationId: 'inv',
      ticket: 'AAAA',
      message: '',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    assert.equal((invite as { code: string }).code, 'recipient-offline');
    const meet = await hugo.request({ type: 'session.request', to: 'nora', invitationId: 'inv' });
    assert.equal((meet as { code: string }).code, 'novice-offline');
    assert.equal(nora.all('invite.offer').length + nora.all('session.start').length, 0);
    await nora.ok({ type: 'contact.unblock', user: 'hugo' });
    assert.equal(nora.take('contact').contact.relation, 'mutual');
    assert.deepEqual(hugo.take('presence'), { type: 'presence', user: 'nora', presence: 'online' });
  });

  it('contact requests are rate-limited and the contacts per user capped', async () => {
    rig = await MessengerRig.start({ limits: { contactRequests: { burst: 3, windowMs: 86_400_000 }, contactsPerUser: 2 } });
    const nora = await rig.user('nora');
    const codes = [];
    for (const name of ['aaa', 'bbb', 'ccc', 'ddd']) {
      const reply = await nora.request({ type: 'contact.request', user: name });
      codes.push(reply.type === 'error' ? reply.code : reply.type);
    }
    assert.deepEqual(codes, ['ok', 'ok', 'rate-limited', 'rate-limited']);
    const third = await nora.request({ type: 'contact.block', user: 'eee' });
    assert.match((third as { message: string }).message, /you have 2 contacts, requests and blocks, the most this server keeps/);
  });

  it('accepting what nobody asked, or yourself, is refused plainly', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const accept = await nora.request({ type: 'contact.accept', user: 'hugo' });
    assert.deepEqual([(accept as { code: string }).code, (accept as { message: string }).message], ['not-contact', 'hugo has not asked to be your contact']);
    assert.equal(((await nora.request({ type: 'contact.request', user: 'nora' })) as { code: string }).code, 'bad-frame');
  });

  it('a removed user is gone for their contacts, and their devices are signed out', async () => {
    rig = await MessengerRig.start();
    const nora = await rig.user('nora');
    const hugo = await rig.user('hugo');
    await rig.befriend(nora, hugo);
    assert.equal(await rig.messenger.removeUser('hugo'), true);
    await hugo.client.settled();
    assert.match(hugo.take('signed-out').reason, /removed/);
    assert.deepEqual(nora.take('contact.gone'), { type: 'contact.gone', user: 'hugo' });
    assert.equal((await rig.messenger.hub.bus.devices('hugo')).length, 0);
    assert.equal(await rig.messenger.removeUser('hugo'), false);
  });
});
