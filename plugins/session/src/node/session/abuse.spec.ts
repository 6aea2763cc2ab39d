import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionChannel } from '../../common/api.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { encodeChannel, encodeControl } from '../wire/framing.js';
import { eventually, SessionPair, until, type PairOptions } from './testing/pair.js';
import { RogueHelper } from '../../testing/rogue.js';

const MiB = 1024 * 1024;
const noise = encodeControl({ t: 'noise', pad: 'x'.repeat(60_000) });
const quiet: SessionChannel = { id: 'quiet', title: 'Quiet', maxFrameBytes: 65_536, open: () => ({ receive() {}, dispose() {} }) };

/** Memory after a collection, where the spec can ask for one (`node --expose-gc`); the margins allow for none. */
function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

describe('session under attack, over real TLS on 127.0.0.1', function () {
  this.timeout(60_000);
  let home: string;
  let identity: NoviceIdentity;
  let pair: SessionPair;
  const sockets: Socket[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-abuse-'));
    identity = await NoviceIdentity.open(home);
  });
  after(() => rm(home, { recursive: true, force: true }));
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await pair.stop();
  });
  const start = async (options: PairOptions = {}) => (pair = await SessionPair.start(home, identity, { channels: [quiet], ...options }));

  it('ends a helper that floods while waiting for Accept, says why, and keeps its memory', async () => {
    await start();
    const invitation = await pair.invite();
    const rogue = await RogueHelper.connect(pair.port);
    await rogue.prove(invitation, 'pass');
    await eventually(() => pair.pendingNovice() !== undefined, 'the novice is asked');
    const before = rss();
    const sent = await rogue.flood(noise, 1024 * MiB);
    assert.ok(sent < 64 * MiB, `the novice read ${Math.round(sent / MiB)} MiB before it hung up`);
    assert.match(String((await rogue.next('bye')).reason), /too much was sent: more than (16 messages|256 KiB) waited to be read/);
    const ended = pair.novice.list()[0];
    assert.equal(ended.state, 'ended');
    assert.match(ended.reason!, /the helper's computer sent too much/);
    assert.ok(rss() - before < 100 * MiB, `memory grew by ${Math.round((rss() - before) / MiB)} MiB`);
  });

  it('ends a helper that floods before its password proof, and counts the abandoned proof', async () => {
    await start();
    const invitation = await pair.invite();
    const rogue = await RogueHelper.connect(pair.port);
    await rogue.hello(invitation, 'wrong');
    const sent = await rogue.flood(noise, 1024 * MiB);
    assert.ok(sent < 64 * MiB, `the novice read ${Math.round(sent / MiB)} MiB before it hung up`);
    await eventually(async () => (await pair.store.get(invitation.invitationId))!.failedAttempts === 1, 'the try is counted');
  });

  it('ends a fake novice that floods the helper waiting for Accept, or sends it channel data before Accept', async () => {
    await start();
    const invitation = await pair.invite();
    // The real novice's side is the rogue here: it floods whoever connects, once the proof is done.
    const session = pair.open(invitation, 'pass');
    await until(session, ['awaiting-consent']);
    const novicesWire = (pair.novice.get(pair.pendingNovice()!.id) as unknown as { wire: { socket: { write(b: Buffer): boolean } } }).wire;
    // In one TLS record: the first message answers the wait, the others queue.
    novicesWire.socket.write(Buffer.concat(Array.from({ length: 40 }, () => encodeControl({ t: 'noise' }))));
    const view = await until(session, ['ended']);
    assert.match(view.reason!, /the novice's computer sent too much: more than 16 messages waited/);
    // Channel data before the consent is refused outright.
    const second = pair.open(await pair.invite(), 'pass');
    await until(second, ['awaiting-consent']);
    const wire = (pair.novice.get(pair.pendingNovice()!.id) as unknown as { wire: { socket: { write(b: Buffer): boolean } } }).wire;
    wire.socket.write(encodeChannel('quiet', new Uint8Array(100)));
    assert.match((await until(second, ['ended'])).reason!, /channel data before the session opened/);
  });

  it('takes a helper that stops reading for a lost path: reconnecting with the reason, then ended when it does not come back', async () => {
    await start({ timing: { pingMs: 100, stallMs: 1000 }, resumeMs: 1500 });
    const rogue = await RogueHelper.connect(pair.port);
    await rogue.prove(await pair.invite(), 'pass');
    await eventually(() => pair.pendingNovice() !== undefined, 'the novice is asked');
    await pair.novice.accept(pair.pendingNovice()!.id);
    await rogue.next('consent');
    // It still sends (it pings, so it is not silent) but reads nothing more, as a frozen or a hostile helper would.
    rogue.socket.pause();
    const pinging = setInterval(() => rogue.send({ t: 'ping', k: 'k' }), 100);
    try {
      const started = Date.now();
      await eventually(() => pair.novice.list()[0].reconnecting !== undefined, 'the novice takes the path for lost', 5000);
      assert.ok(Date.now() - started < 4000);
      assert.match(pair.novice.list()[0].reconnecting!.reason, /^the helper's computer read nothing for 1 s$/);
      // Only its own RA could resume it: nobody does, so it ends with both reasons.
      await eventually(() => pair.novice.list()[0].state === 'ended', 'the novice ends the session', 5000);
      assert.equal(pair.novice.list()[0].reason, "the connection was lost and could not be resumed within 2 s: the helper's computer read nothing for 1 s");
    } finally {
      clearInterval(pinging);
    }
  });

  it('ends the wait for Accept after its timeout', async () => {
    await start({ consentMs: 300 });
    const session = pair.open(await pair.invite(), 'pass');
    await until(session, ['awaiting-consent']);
    const view = await until(session, ['ended']);
    assert.equal(view.endedBy, 'novice');
    assert.match(view.reason!, /nobody answered the request/);
  });

  it("ends the helper's wait with a clear message when no answer comes, and withdraws the request", async () => {
    await start({ consentMs: 60_000, helperConsentMs: 400 });
    const session = pair.open(await pair.invite(), 'pass');
    await until(session, ['awaiting-consent']);
    const view = await until(session, ['ended'], 5000);
    assert.equal(view.endedBy, 'network');
    assert.match(view.reason!, /^Nora did not answer within 1 minutes?; ask them to look at their screen, then connect again$/);
    await eventually(() => pair.novice.list()[0].state === 'ended', 'the novice sees the request withdrawn');
    // Said by the helper before it hung up, though the novice read nothing while it waited for its person.
    assert.deepEqual([pair.novice.list()[0].endedBy, pair.novice.list()[0].reason], ['helper', 'Hank stopped waiting for an answer after 1 minute']);
  });

  it('cuts a silent socket at the handshake deadline', async () => {
    await start({ handshakeMs: 500 });
    const silent = connectTcp(pair.port, '127.0.0.1');
    sockets.push(silent);
    const started = Date.now();
    await new Promise((r) => silent.once('close', r));
    assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`);
  });

  it('lets a real helper in while 16 silent sockets from another address hold the slots', async () => {
    await start();
    for (let i = 0; i < 16; i++) sockets.push(connectTcp({ port: pair.port, host: '127.0.0.1', localAddress: '127.0.0.2' }));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await until(pair.open(await pair.invite(), 'pass'), ['awaiting-consent'], 3000);
    assert.ok(Date.now() - started < 3000);
  });

  it('lets a real helper in while its own address keeps reopening 16 silent sockets', async () => {
    await start();
    let flooding = true;
    const reopen = (): void => {
      if (!flooding) return;
      const s = connectTcp(pair.port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => undefined).once('close', () => setTimeout(reopen, 10));
    };
    for (let i = 0; i < 16; i++) reopen();
    try {
      const invitation = await pair.invite();
      await eventually(
        async () => {
          const view = await until(pair.open(invitation, 'pass'), ['awaiting-consent', 'ended'], 10_000);
          return view.state === 'awaiting-consent';
        },
        'a real helper gets in',
        20_000,
      );
    } finally {
      flooding = false;
    }
  });

  it('counts an abandoned proof as a wrong password, so holding the invitation locks it', async () => {
    await start();
    const invitation = await pair.invite();
    for (let i = 0; i < 5; i++) {
      const rogue = await RogueHelper.connect(pair.port);
      await rogue.hello(invitation, 'anything');
      await rogue.next('pake');
      rogue.destroy();
      await eventually(async () => (await pair.store.get(invitation.invitationId))!.failedAttempts === i + 1, `try ${i + 1} is counted`);
    }
    assert.equal((await pair.store.get(invitation.invitationId))!.status, 'locked');
  });

  it('shows the novice a name typed with direction overrides, zero-width and control characters as plain text', async () => {
    await start();
    const session = pair.open(await pair.invite(), 'pass', undefined, 'Bob\u202E\u200B\u0000 (verified\u2028by RA)');
    await until(session, ['awaiting-consent']);
    assert.equal(pair.pendingNovice()!.peerName, 'Bob (verified by RA)');
  });
});
