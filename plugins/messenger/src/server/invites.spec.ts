import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import sinon from 'sinon';
import type { ServerFrame } from '../common/protocol.js';
import { MessengerRig, type FakeDevice } from './testing/harness.js';

const MINUTE = 60_000;
const send = (to: string, expiresInMs = 10 * MINUTE, invitationId = 'inv-1') => ({
  type: 'invite.send' as const,
  to,
  invitationId,
  ticket: Buffer.from('<invitation/>').toString('base64'),
  message: 'Please help me with the printer',
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
});
const code = (frame: ServerFrame) => (frame.type === 'error' ? frame.code : frame.type);

describe('messenger server: invitations', () => {
  let rig: MessengerRig;
  let nora: FakeDevice;
  let hugo: FakeDevice;

  async function pair(options: Parameters<typeof MessengerRig.start>[0] = {}): Promise<void> {
    rig = await MessengerRig.start(options);
    nora = await rig.user('nora');
    hugo = await rig.user('hugo');
    await rig.befriend(nora, hugo);
  }

  afterEach(async () => {
    sinon.restore();
    await rig?.stop();
  });

  it('steps sent → delivered → accepted reach the sender; the recipient’s other devices hear it is closed; the first answer wins', async () => {
    await pair();
    const phone = await rig.login('hugo', 'phone');
    const sent = await nora.ok(send('hugo'));
    assert.deepEqual({ ...sent, invite: '' }, { type: 'invite.status', ref: 'r3', invite: '', invitationId: 'inv-1', to: 'hugo', state: 'sent' });
    const offer = hugo.take('invite.offer');
    assert.deepEqual(phone.take('invite.offer'), offer);
    assert.deepEqual([offer.from, offer.fromName, offer.message, offer.invitationId], ['nora', 'NORA', 'Please help me with the printer', 'inv-1']);
    await hugo.ok({ type: 'invite.received', invite: offer.invite });
    await phone.ok({ type: 'invite.received', invite: offer.invite });
    assert.equal(nora.all('invite.status').filter((s) => s.state === 'delivered').length, 1, 'delivered once');
    await hugo.ok({ type: 'invite.respond', invite: offer.invite, accept: true });
    assert.equal(nora.take('invite.status', { state: 'accepted' }).invite, offer.invite);
    assert.deepEqual(phone.take('invite.closed'), { type: 'invite.closed', invite: offer.invite, reason: 'accepted on another device' });
    const late = await phone.request({ type: 'invite.respond', invite: offer.invite, accept: false });
    assert.equal(code(late), 'invite-closed');
    assert.match((late as { message: string }).message, /no longer open: it was accepted/);
    assert.equal(code(await nora.request({ type: 'invite.cancel', invite: offer.invite })), 'invite-closed');
  });

  it('decline and cancel reach the other side', async () => {
    await pair();
    await nora.ok(send('hugo'));
    const first = hugo.take('invite.offer');
    await hugo.ok({ type: 'invite.respond', invite: first.invite, accept: false });
    assert.equal(nora.take('invite.status', { state: 'declined' }).invite, first.invite);
    await nora.ok(send('hugo'));
    const second = hugo.take('invite.offer');
    await nora.ok({ type: 'invite.cancel', invite: second.invite });
    assert.equal(nora.take('invite.status', { state: 'cancelled' }).invite, second.invite);
    assert.deepEqual(hugo.take('invite.closed'), { type: 'invite.closed', invite: second.invite, reason: 'nora cancelled the invitation' });
    assert.equal(code(await hugo.request({ type: 'invite.cancel', invite: second.invite })), 'unknown-invite', 'only the sender cancels');
  });

  it('an offline, invisible or non-mutual recipient is refused at once and nothing is queued', async () => {
    await pair();
    const ida = await rig.user('ida');
    await nora.ok({ type: 'contact.request', user: 'ida' });
    assert.equal(code(await nora.request(send('ida'))), 'not-contact');
    await hugo.ok({ type: 'presence.set', state: 'appear-offline' });
    const invisible = await nora.request(send('hugo'));
    assert.equal(code(invisible), 'recipient-offline');
    assert.match((invisible as { message: string }).message, /hugo is offline; nothing was sent/);
    await hugo.disconnect();
    assert.equal(code(await nora.request(send('hugo'))), 'recipient-offline');
    assert.deepEqual(await rig.store.allInvites(), []);
    assert.equal(ida.all('invite.offer').length, 0);
  });

  it('is rate-limited per sender and per recipient, and bounded per pair', async () => {
    await pair({ limits: { invitesPerSender: { burst: 4, windowMs: MINUTE }, openInvitesPerPair: 2 } });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(code(await nora.request(send('hugo', 10 * MINUTE, `inv-${i}`))));
    assert.deepEqual(codes, ['invite.status', 'invite.status', 'rate-limited', 'rate-limited', 'rate-limited']);
    await rig.stop();
    await pair({ limits: { invitesPerRecipient: { burst: 1, windowMs: MINUTE } } });
    const ida = await rig.user('ida');
    await rig.befriend(ida, hugo);
    assert.equal(code(await nora.request(send('hugo'))), 'invite.status');
    const second = await ida.request(send('hugo'));
    assert.match((second as { message: string }).message, /hugo has been sent too many invitations just now/);
  });

  it('keeps an answered invitation an hour at most, and bounds what one sender and the whole server keep', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    await pair({ limits: { invitesKeptPerSender: 2, inviteBytes: 100 } });
    await nora.ok(send('hugo', 24 * 60 * MINUTE));
    const offer = hugo.take('invite.offer');
    await hugo.ok({ type: 'invite.respond', invite: offer.invite, accept: false });
    await nora.ok(send('hugo', 24 * 60 * MINUTE, 'inv-2'));
    const kept = await nora.request(send('hugo', 24 * 60 * MINUTE, 'inv-3'));
    assert.match((kept as { message: string }).message, /you sent 2 invitations in the last hour/);
    await clock.tickAsync(60 * MINUTE + 10);
    for (let i = 0; i < 10_000 && (await rig.store.invite(offer.invite)); i++) await new Promise((r) => setImmediate(r));
    assert.equal(await rig.store.invite(offer.invite), undefined, 'the answered one is gone after an hour');
    assert.equal((await rig.store.allInvites()).length, 1, 'the open one stays');
    const big = await nora.request({ ...send('hugo', 24 * 60 * MINUTE, 'inv-4'), ticket: 'A'.repeat(100) });
    assert.deepEqual([code(big), (big as { message: string }).message], ['busy', 'the server holds as many invitations as it can; try again later']);
  });

  it('caps the expiry, and refuses one already past or a time it cannot read', async () => {
    await pair({ limits: { inviteMaxMs: 60 * MINUTE } });
    await nora.ok(send('hugo', 30 * 24 * 60 * MINUTE));
    const offer = hugo.take('invite.offer');
    assert.ok(Date.parse(offer.expiresAt) <= Date.now() + 60 * MINUTE);
    assert.equal(code(await nora.request(send('hugo', -1000))), 'expired');
    assert.equal(code(await nora.request({ ...send('hugo'), expiresAt: 'tomorrow' })), 'bad-frame');
  });

  it('expires on time: the sender hears expired, the recipient that it closed, and the server forgets it', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    await pair();
    await nora.ok(send('hugo', 5 * MINUTE));
    const offer = hugo.take('invite.offer');
    await clock.tickAsync(5 * MINUTE - 1000);
    assert.equal(nora.all('invite.status').filter((s) => s.state === 'expired').length, 0);
    await clock.tickAsync(1010);
    // The expiry writes the store (real disk I/O), then tells both sides.
    // Up to 10 s of real time (performance.now is not faked): a loaded machine's disk may take a while.
    for (const until = performance.now() + 10_000; !hugo.all('invite.closed').length && performance.now() < until;) await new Promise((r) => setImmediate(r));
    assert.equal(nora.take('invite.status', { state: 'expired' }).invite, offer.invite);
    assert.deepEqual(hugo.take('invite.closed'), { type: 'invite.closed', invite: offer.invite, reason: 'the invitation expired' });
    assert.equal(await rig.store.invite(offer.invite), undefined);
    assert.equal(code(await hugo.request({ type: 'invite.respond', invite: offer.invite, accept: true })), 'unknown-invite');
  });

  it('a pending invitation survives a restart: the recipient finds it in the welcome, the sender its state', async () => {
    await pair();
    await nora.ok(send('hugo'));
    const offer = hugo.take('invite.offer');
    await hugo.ok({ type: 'invite.received', invite: offer.invite });
    const dir = rig.dir;
    await rig.stop(true);
    rig = await MessengerRig.start({ dir });
    const back = rig.device();
    await back.ok({ type: 'login', user: 'hugo', password: 'hugo-password', device: 'laptop' });
    assert.deepEqual(
      back.take('welcome').offers,
      [{ ...offer, type: undefined }].map(({ type: _, ...o }) => o),
    );
    const sender = rig.device();
    await sender.ok({ type: 'login', user: 'nora', password: 'nora-password', device: 'laptop' });
    assert.deepEqual(sender.take('welcome').sent, [{ invite: offer.invite, invitationId: 'inv-1', to: 'hugo', state: 'delivered' }]);
    await back.ok({ type: 'invite.respond', invite: offer.invite, accept: true });
    assert.equal(sender.take('invite.status', { state: 'accepted' }).invite, offer.invite);
  });

  it('a recipient who vanishes mid-invitation loses nothing: the offer waits in the store and comes back with the welcome', async () => {
    await pair();
    await nora.ok(send('hugo'));
    const offer = hugo.take('invite.offer');
    await hugo.disconnect();
    assert.deepEqual(nora.take('presence'), { type: 'presence', user: 'hugo', presence: 'offline' });
    const back = await rig.device();
    await back.ok({ type: 'login', user: 'hugo', password: 'hugo-password', device: 'laptop' });
    assert.equal(back.take('welcome').offers[0].invite, offer.invite);
  });

  it('offers beyond one welcome frame follow it as invite.offer frames', async () => {
    await pair();
    const big = Buffer.alloc(40_000, 1).toString('base64').slice(0, 50_000);
    for (const id of ['a', 'b']) await nora.ok({ ...send('hugo', 10 * MINUTE, id), ticket: big });
    const back = rig.device();
    await back.ok({ type: 'login', user: 'hugo', password: 'hugo-password', device: 'phone' });
    const welcome = back.take('welcome');
    assert.equal(welcome.offers.length, 1);
    assert.equal(back.all('invite.offer').length, 1);
    assert.ok(Buffer.byteLength(JSON.stringify(welcome)) <= 64 * 1024);
  });

  it('a failed write refuses the invitation with a clear error and sends nothing', async () => {
    const fail = { on: false };
    const { writeFileAtomic } = await import('@ra/kernel/node');
    await pair({
      store: { write: async (path, text) => (fail.on ? Promise.reject(new Error('ENOSPC: no space left on device')) : writeFileAtomic(path, text)) },
    });
    fail.on = true;
    const refused = await nora.request(send('hugo'));
    assert.equal(code(refused), 'internal');
    assert.match((refused as { message: string }).message, /could not save this change \(its disk may be full\); nothing changed/);
    assert.equal(hugo.all('invite.offer').length, 0);
    assert.ok(rig.log.some((l) => /ENOSPC/.test(l)));
    fail.on = false;
    assert.equal(code(await nora.request(send('hugo'))), 'invite.status');
  });
});
