import assert from 'node:assert/strict';
import sinon from 'sinon';
import { PROTOCOL_VERSION } from '../common/protocol.js';
import { hashToken } from './accounts.js';
import { Semaphore } from './limits.js';
import { MessengerRig } from './testing/harness.js';

describe('messenger server: accounts', () => {
  let rig: MessengerRig;
  afterEach(async () => {
    sinon.restore();
    await rig?.stop();
  });

  it('register gives a token that only its hash is stored for; hello with it signs in and logout revokes it', async () => {
    rig = await MessengerRig.start();
    const d = rig.device();
    const reply = await d.ok({ type: 'register', user: ' Nora ', displayName: ' Nora N. ', password: 'long enough', device: 'laptop' });
    assert.equal(reply.type, 'token');
    const token = (reply as { token: string }).token;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(d.take('welcome').displayName, 'Nora N.');
    assert.ok(await rig.store.token(hashToken(token)));
    assert.equal(await rig.store.token(token), undefined, 'the token itself is stored nowhere');
    const again = rig.device();
    assert.equal((await again.ok({ type: 'hello', token, device: 'laptop', version: PROTOCOL_VERSION })).type, 'welcome');
    await again.ok({ type: 'logout' });
    assert.equal(again.client.signIn, undefined);
    const third = rig.device();
    const refused = await third.request({ type: 'hello', token, device: 'laptop', version: PROTOCOL_VERSION });
    assert.deepEqual([refused.type, (refused as { code: string }).code], ['error', 'bad-token']);
    assert.ok(
      rig.log.every((line) => !line.includes(token) && !line.includes('long enough')),
      'neither token nor password is logged',
    );
  });

  it('refuses short passwords, taken names, bad names, and registration when it is off', async () => {
    rig = await MessengerRig.start();
    const d = rig.device();
    const code = async (frame: Parameters<typeof d.request>[0]) => ((await d.request(frame)) as { code?: string }).code;
    assert.equal(await code({ type: 'register', user: 'nora', displayName: 'N', password: 'short', device: 'x' }), 'weak-password');
    assert.equal(await code({ type: 'register', user: 'no', displayName: 'N', password: 'long enough', device: 'x' }), 'bad-frame');
    await rig.user('nora');
    assert.equal(await code({ type: 'register', user: 'NORA', displayName: 'N', password: 'long enough', device: 'x' }), 'user-taken');
    await rig.stop();
    rig = await MessengerRig.start({ limits: { users: 1 } });
    await rig.user('nora');
    const full = await rig.device().request({ type: 'register', user: 'hugo', displayName: 'H', password: 'long enough', device: 'x' });
    assert.equal((full as { message: string }).message, 'this server keeps at most 1 accounts, and has them');
    await rig.stop();
    rig = await MessengerRig.start({ registration: false });
    const closed = await rig.device().request({ type: 'register', user: 'nora', displayName: 'N', password: 'long enough', device: 'x' });
    assert.equal((closed as { code: string }).code, 'registration-closed');
  });

  it('a wrong password and an unknown user get the same answer; failures back off per account and per address', async () => {
    rig = await MessengerRig.start({ limits: { signInFreeFailures: { account: 1, address: 2 } } });
    await rig.user('nora');
    const login = async (user: string, password: string, address = '192.0.2.1') => {
      const reply = await rig.device(address).request({ type: 'login', user, password, device: 'x' });
      return reply.type === 'error' ? `${reply.code}: ${reply.message}` : reply.type;
    };
    const wrong = await login('nora', 'wrong password');
    const unknown = await login('nobody', 'wrong password');
    assert.equal(wrong, unknown);
    assert.equal(wrong, 'bad-credentials: the user name or the password is wrong');
    await login('nora', 'wrong password', '198.51.100.7');
    assert.match(await login('nora', 'nora-password', '203.0.113.9'), /^rate-limited: too many failed sign-ins; try again in \d+ s$/, 'the account backs off');
    assert.match(await login('ida', 'whatever', '192.0.2.1'), /^bad-credentials/);
    assert.match(await login('ida', 'whatever', '192.0.2.1'), /^rate-limited/, 'the address backs off after its own failures');
  });

  it('a sign-in flood beyond the hashing queue is answered busy at once', async () => {
    rig = await MessengerRig.start({ gate: new Semaphore(1, 2), limits: { signInFreeFailures: { account: 100, address: 100 } } });
    await rig.user('nora');
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => rig.device().request({ type: 'login', user: 'nora', password: 'wrong password', device: 'x' })),
    );
    const codes = replies.map((r) => (r as { code: string }).code);
    assert.ok(codes.includes('busy'), codes.join());
    assert.ok(codes.includes('bad-credentials'), codes.join());
  });

  it('a password change signs the other devices out and revokes their tokens; this device stays', async () => {
    rig = await MessengerRig.start();
    const laptop = await rig.user('nora');
    const phoneReply = await rig.device().ok({ type: 'login', user: 'nora', password: 'nora-password', device: 'phone' });
    const phoneToken = (phoneReply as { token: string }).token;
    const phone = rig.device();
    await phone.ok({ type: 'hello', token: phoneToken, device: 'phone', version: PROTOCOL_VERSION });
    assert.equal((await laptop.request({ type: 'password.change', old: 'wrong one!', new: 'new password' })).type, 'error');
    await laptop.ok({ type: 'password.change', old: 'nora-password', new: 'new password' });
    await phone.client.settled();
    assert.match(phone.take('signed-out').reason, /password was changed/);
    assert.equal(phone.client.signIn, undefined);
    assert.equal(laptop.all('signed-out').length, 0);
    const reuse = await rig.device().request({ type: 'hello', token: phoneToken, device: 'phone', version: PROTOCOL_VERSION });
    assert.equal((reuse as { code: string }).code, 'bad-token');
    assert.equal((await laptop.request({ type: 'presence.set', state: 'busy' })).type, 'ok');
    await rig.login('nora', 'again', 'new password');
  });

  it('a token unused for 30 days expires; using it slides the expiry', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    rig = await MessengerRig.start();
    const d = rig.device();
    const token = ((await d.ok({ type: 'register', user: 'nora', displayName: 'N', password: 'long enough', device: 'laptop' })) as { token: string }).token;
    const hello = async () => (await rig.device().request({ type: 'hello', token, device: 'laptop', version: PROTOCOL_VERSION })).type;
    clock.tick(29 * 24 * 3600_000);
    assert.equal(await hello(), 'welcome');
    clock.tick(29 * 24 * 3600_000);
    assert.equal(await hello(), 'welcome', 'the expiry slid');
    clock.tick(31 * 24 * 3600_000);
    assert.equal(await hello(), 'error');
    assert.equal(await rig.store.token(hashToken(token)), undefined);
  });

  it('frames other than register, login and hello need a sign-in', async () => {
    rig = await MessengerRig.start();
    const reply = await rig.device().request({ type: 'contact.request', user: 'nora' });
    assert.deepEqual([reply.type, (reply as { code: string }).code], ['error', 'not-signed-in']);
  });
});
