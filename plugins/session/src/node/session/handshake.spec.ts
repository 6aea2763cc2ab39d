import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as connectTcp, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import { sessionHooks, type ChannelLink, type SessionChannel, type SolicitedPolicy } from '../../common/api.js';
import { readInvitation, type Invitation } from '../invitation/format.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { InvitationStore } from '../invitation/store.js';
import { DirectRoute } from '../direct-route.js';
import { connectToNovice } from './helper.js';
import { admitHelper } from './novice.js';
import { SessionRegistry } from './registry.js';
import type { Session } from './session.js';

const quiet = quietLogger;
/** The helper's way to the novice: the real direct route, which needs no listener on this side. */
const direct = new DirectRoute(
  () => assert.fail('the helper listens for nobody'),
  () => ({ port: 'off', host: '127.0.0.1' }),
);
const hooks = (veto?: string) => sessionHooks(stubHooks({ sessionConnecting: async () => veto }));
const SOLICITED: SolicitedPolicy = { allowed: true, allowControl: true, maxLifetime: '30d' };

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
  let server: Server;
  let port: number;
  let novice: SessionRegistry;
  let helper: SessionRegistry;
  let store: InvitationStore;
  let identity: NoviceIdentity;
  let policy: SolicitedPolicy;
  let veto: string | undefined;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-handshake-'));
    identity = await NoviceIdentity.open(home);
  });
  after(() => rm(home, { recursive: true, force: true }));

  beforeEach(async () => {
    store = await InvitationStore.open(await mkdtemp(join(home, 'store-')));
    policy = SOLICITED;
    veto = undefined;
    novice = new SessionRegistry(() => [echo], hooks(), quiet);
    helper = new SessionRegistry(() => [echo], hooks(), quiet);
    server = createServer(
      (socket) =>
        void admitHelper(socket, `${socket.remoteAddress}:${socket.remotePort}`, {
          identity,
          desk: store,
          registry: novice,
          hooks: hooks(veto),
          logger: quiet,
          handshakes: { active: 0 },
          policy: () => policy,
        }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterEach(async () => {
    novice.dispose();
    helper.dispose();
    await new Promise((r) => server.close(r));
  });

  async function invite(password = 'pass', minutes = 60): Promise<Invitation> {
    const { file } = await store.mint(
      { noviceName: 'Nora', message: '', expiresAt: new Date(Date.now() + minutes * 60_000), password, addresses: [`127.0.0.1:${port}`] },
      identity,
    );
    return readInvitation(file);
  }

  function open(invitation: Invitation, password: string, addresses = invitation.addresses): Session {
    return connectToNovice({ ...invitation, addresses }, password, 'Hank', {
      registry: helper,
      logger: quiet,
      routes: () => [direct],
      open: (s) => helper.openHelper(s),
    });
  }

  async function until(session: Session, states: string[]): Promise<ReturnType<Session['view']>> {
    for (let i = 0; i < 200; i++) {
      if (states.includes(session.current)) return session.view();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`session stayed ${session.current}: ${session.view().reason}`);
  }

  const pendingNovice = () => novice.list().find((s) => s.state === 'awaiting-consent');

  it('opens a session after the right password and Accept, with equal safety codes, and relays channel frames', async () => {
    const session = open(await invite(), 'pass');
    const waiting = await until(session, ['awaiting-consent']);
    const request = pendingNovice()!;
    assert.equal(request.peerName, 'Hank');
    assert.match(request.peerAddress, /^127\.0\.0\.1:\d+$/, 'the novice sees where the helper connects from');
    assert.equal(request.safetyCode, waiting.safetyCode);
    const heard: string[] = [];
    helper.subscribe({ changed() {}, frame: (_, channel, payload) => heard.push(`${channel}:${String(payload)}`) });
    await novice.accept(request.id);
    await until(session, ['open']);
    session.post('echo', 'hi');
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard, ['echo:echo:hi']);
  });

  it("drops a channel frame over the channel's own limit, and the session goes on", async () => {
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    const heard: string[] = [];
    helper.subscribe({ changed() {}, frame: (_, channel, payload) => heard.push(String(payload).slice(0, 20)) });
    await novice.accept(pendingNovice()!.id);
    await until(session, ['open']);
    session.post('echo', 'x'.repeat(1025));
    session.post('echo', 'small');
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard, ['echo:small']);
    assert.equal(session.current, 'open');
  });

  it('leaves out a channel that states no usable frame limit, and keeps the others', async () => {
    const sloppy = { ...echo, id: 'sloppy', maxFrameBytes: undefined as unknown as number };
    novice.dispose();
    novice = new SessionRegistry(() => [echo, sloppy], hooks(), quiet);
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    const heard: string[] = [];
    helper.subscribe({ changed() {}, frame: (_, channel, payload) => heard.push(`${channel}:${String(payload)}`) });
    await novice.accept(pendingNovice()!.id);
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
    novice.dispose();
    novice = new SessionRegistry(() => [flood], hooks(), quiet);
    helper.dispose();
    helper = new SessionRegistry(() => [flood], hooks(), quiet);
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    await novice.accept(pendingNovice()!.id);
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
    }
    assert.match((await until(open(invitation, 'pass'), ['ended'])).reason!, /locked after 5 wrong passwords/);
    assert.equal((await store.get(invitation.invitationId))!.status, 'locked');
  });

  it('refuses a second helper while the invitation is in use, and frees it when the first leaves', async () => {
    const invitation = await invite();
    const first = open(invitation, 'pass');
    await until(first, ['awaiting-consent']);
    assert.match((await until(open(invitation, 'pass'), ['ended'])).reason!, /already in use by another helper/);
    first.disconnect('helper', 'changed my mind');
    for (let i = 0; i < 100 && novice.busy(invitation.invitationId); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await until(open(invitation, 'pass'), ['awaiting-consent'])).state, 'awaiting-consent');
  });

  it('tells the helper when the novice declines', async () => {
    const session = open(await invite(), 'pass');
    await until(session, ['awaiting-consent']);
    novice.decline(pendingNovice()!.id);
    const view = await until(session, ['ended']);
    assert.equal(view.endedBy, 'novice');
    assert.match(view.reason!, /declined/);
  });

  it('refuses expired, deleted and unknown invitations, and everything when policy turns RA off', async () => {
    const expired = await invite('pass', 60);
    await store.setStatus(expired.invitationId, 'expired');
    assert.match((await until(open(expired, 'pass'), ['ended'])).reason!, /expired/);
    const deleted = await invite();
    await store.setStatus(deleted.invitationId, 'deleted');
    assert.match((await until(open(deleted, 'pass'), ['ended'])).reason!, /deleted/);
    const other = await invite();
    await store.setStatus(other.invitationId, 'deleted');
    policy = { ...SOLICITED, allowed: false };
    assert.match((await until(open(await invite(), 'pass'), ['ended'])).reason!, /turned off on this computer by its policy/);
  });

  it('lets a hook veto a connection with its reason', async () => {
    veto = 'outside office hours';
    assert.match((await until(open(await invite(), 'pass'), ['ended'])).reason!, /outside office hours/);
  });

  it('refuses a computer whose key is not the pinned one', async () => {
    const invitation = await invite();
    const forged = { ...invitation, keyFingerprint: 'ab'.repeat(32) };
    const view = await until(open(forged, 'pass'), ['ended']);
    assert.match(view.reason!, /not the one that made this invitation/);
    assert.equal(novice.list().length, 0, 'the novice heard no hello');
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
