import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import type { ChannelLink, SessionChannel } from '../../common/api.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { SessionPair, SOLICITED, until } from './testing/pair.js';

/** An echo channel: proves frames flow both ways once the session opens. */
const echo: SessionChannel = {
  id: 'echo',
  title: 'Echo',
  maxFrameBytes: 1024,
  open: (session, link) => ({ receive: (p) => session.role === 'novice' && link.send(`echo:${String(p)}`), dispose() {} }),
};

describe('session handshake over real TLS on 127.0.0.1', function () {
  this.timeout(20_000);
  let home: string;
  let identity: NoviceIdentity;
  let pair: SessionPair;
  let port: number;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-handshake-'));
    identity = await NoviceIdentity.open(home);
  });
  after(() => rm(home, { recursive: true, force: true }));

  async function start(channels: SessionChannel[] = [echo]): Promise<void> {
    await pair?.stop();
    pair = await SessionPair.start(home, identity, { channels });
    port = pair.port;
  }
  beforeEach(() => start());
  afterEach(() => pair.stop());

  const invite = (password?: string, minutes?: number) => pair.invite(password, minutes);
  const open = (...args: Parameters<SessionPair['open']>) => pair.open(...args);
  const pendingNovice = () => pair.pendingNovice();

  it('opens a session after the right password and Accept, with equal safety codes, and relays channel frames', async () => {
    const session = open(await invite(), 'pass');
    const waiting = await until(session, ['awaiting-consent']);
    const request = pendingNovice()!;
    assert.equal(request.peerName, 'Hank');
    assert.match(request.peerAddress, /^127\.0\.0\.1:\d+$/, 'the novice sees where the helper connects from');
    assert.equal(request.safetyCode, waiting.safetyCode);
    const heard: string[] = [];
    pair.helper.subscribe({ changed() {}, frame: (_, channel, payload) => heard.push(`${channel}:${String(payload)}`) });
    await pair.novice.accept(request.id);
    await until(session, ['open']);
    session.post('echo', 'hi');
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard, ['echo:echo:hi']);
  });

  it("drops a channel frame over the channel's own limit, and the session goes on", async () => {
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    const heard: string[] = [];
    pair.helper.subscribe({ changed() {}, frame: (_, channel, payload) => heard.push(String(payload).slice(0, 20)) });
    await pair.novice.accept(pendingNovice()!.id);
    await until(session, ['open']);
    session.post('echo', 'x'.repeat(1025));
    session.post('echo', 'small');
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard, ['echo:small']);
    assert.equal(session.current, 'open');
  });

  it('leaves out a channel that states no usable frame limit, and keeps the others', async () => {
    await start([echo, { ...echo, id: 'sloppy', maxFrameBytes: undefined as unknown as number }]);
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    const heard: string[] = [];
    pair.helper.subscribe({ changed() {}, frame: (_, channel, payload) => heard.push(`${channel}:${String(payload)}`) });
    await pair.novice.accept(pendingNovice()!.id);
    await until(session, ['open']);
    session.post('echo', 'still here');
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard, ['echo:echo:still here']);
  });

  it('gives a channel backpressure: what a stalled helper does not read shows as buffered, and drains when it reads again', async () => {
    const links: ChannelLink[] = [];
    const flood: SessionChannel = {
      id: 'flood',
      title: 'Flood',
      maxFrameBytes: 65_536,
      open: (s, link) => (s.role === 'novice' && links.push(link), { receive() {}, dispose() {} }),
    };
    await start([flood]);
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    await pair.novice.accept(pendingNovice()!.id);
    await until(session, ['open']);
    // A helper that stops reading, as a rogue or a frozen one would.
    (session as unknown as { wire: { socket: { pause(): void; resume(): void } } }).wire.socket.pause();
    const link = links[0];
    const chunk = new Uint8Array(60_000);
    for (let i = 0; i < 400 && link.buffered < 2 * 1024 * 1024; i++) {
      link.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(link.buffered >= 2 * 1024 * 1024, `the link reports ${link.buffered} bytes unsent`);
    const drained = new Promise<void>((resolve) => link.onDrain(resolve));
    (session as unknown as { wire: { socket: { resume(): void } } }).wire.socket.resume();
    await drained;
    assert.ok(link.buffered < 2 * 1024 * 1024);
  });

  it('counts wrong passwords and locks the invitation at the fifth', async () => {
    const invitation = await invite();
    for (let left = 4; left >= 0; left--) {
      const view = await until(open(invitation, 'wrong'), ['ended']);
      assert.match(view.reason!, left > 0 ? new RegExp(`wrong password; ${left} tr(y|ies) left`) : /now locked after 5 wrong passwords/);
      // A refusal by the novice's computer, not the novice ending it; on both sides.
      assert.deepEqual([view.endedBy, pair.novice.list().at(-1)?.endedBy], ['refused', 'refused']);
    }
    assert.match((await until(open(invitation, 'pass'), ['ended'])).reason!, /locked after 5 wrong passwords/);
    assert.equal((await pair.store.get(invitation.invitationId))!.status, 'locked');
  });

  it('refuses a second helper while the invitation is in use, and frees it when the first leaves', async () => {
    const invitation = await invite();
    const first = open(invitation, 'pass');
    await until(first, ['awaiting-consent']);
    assert.match((await until(open(invitation, 'pass'), ['ended'])).reason!, /already in use by another helper/);
    first.disconnect('helper', 'changed my mind');
    for (let i = 0; i < 100 && pair.novice.busy(invitation.invitationId); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await until(open(invitation, 'pass'), ['awaiting-consent'])).state, 'awaiting-consent');
  });

  it('tells the helper when the novice declines', async () => {
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    pair.novice.decline(pendingNovice()!.id);
    const view = await until(session, ['ended']);
    assert.equal(view.endedBy, 'novice');
    assert.match(view.reason!, /declined/);
  });

  it('refuses expired, deleted and unknown invitations, and everything when policy turns RA off', async () => {
    const expired = await invite('pass', 60);
    await pair.store.setStatus(expired.invitationId, 'expired');
    const refused = await until(open(expired, 'pass'), ['ended']);
    // When it really ended, in words that hold in any time zone: never the original expiry, never ISO.
    assert.match(refused.reason!, /^this invitation ended just now; ask for a new one$/);
    assert.equal(refused.endedBy, 'refused');
    const deleted = await invite();
    await pair.store.setStatus(deleted.invitationId, 'deleted');
    assert.match((await until(open(deleted, 'pass'), ['ended'])).reason!, /deleted/);
    const other = await invite();
    await pair.store.setStatus(other.invitationId, 'deleted');
    pair.policy = { ...SOLICITED, allowed: false };
    assert.match((await until(open(await invite(), 'pass'), ['ended'])).reason!, /Remote Assistance is turned off on this computer/);
  });

  it('lets a hook veto a connection with its reason', async () => {
    pair.veto = 'outside office hours';
    assert.match((await until(open(await invite(), 'pass'), ['ended'])).reason!, /outside office hours/);
  });

  it('refuses a computer whose key is not the pinned one', async () => {
    const invitation = await invite();
    const forged = { ...invitation, keyFingerprint: 'ab'.repeat(32) };
    const view = await until(open(forged, 'pass'), ['ended']);
    assert.match(view.reason!, /not the one that made this invitation/);
    assert.equal(pair.novice.list().length, 0, 'the novice heard no hello');
  });

  it('keeps serving after a helper vanishes mid-handshake, a malformed frame, and a plain-TCP client', async () => {
    const invitation = await invite();
    const tls = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((r) => tls.once('secureConnect', r));
    tls.destroy();
    const garbage = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((r) => garbage.once('secureConnect', r));
    garbage.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]));
    const said = await new Promise<string>((r) => {
      let text = '';
      garbage.on('data', (d) => (text += d.toString('latin1')));
      garbage.on('close', () => r(text));
    });
    assert.match(said, /malformed frame: length 4294967295/);
    const plain = connectTcp(port, '127.0.0.1');
    plain.write('GET / HTTP/1.0\r\n\r\n');
    await new Promise((r) => plain.on('close', r));
    assert.equal((await until(open(invitation, 'pass'), ['awaiting-consent'])).state, 'awaiting-consent');
  });

  it('reports an unreachable novice plainly', async () => {
    const invitation = await invite();
    const view = await until(open(invitation, 'pass', ['127.0.0.1:1']), ['ended']);
    assert.match(view.reason!, /could not reach Nora's computer: connection to 127\.0\.0\.1:1 failed: nothing is listening there/);
  });
});
