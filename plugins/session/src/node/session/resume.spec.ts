import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { ChannelLink, SessionChannel } from '../../common/api.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { encodeControl } from '../wire/framing.js';
import { Detour } from '../../testing/detour.js';
import { Journal } from './journal.js';
import { checkProof, resumeKeys, resumeProof } from './resume.js';
import type { Session } from './session.js';
import { eventually, SessionPair, until } from './testing/pair.js';

/** A chat-like channel: each side keeps what it received, in order, and can send; it notes each lost path. */
function talk(maxFrameBytes = 1024) {
  const got = { novice: [] as string[], helper: [] as string[] };
  const lost = { novice: [] as string[], helper: [] as string[] };
  const links: Partial<Record<'novice' | 'helper', ChannelLink>> = {};
  const channel: SessionChannel = {
    id: 'talk',
    title: 'Talk',
    maxFrameBytes,
    open: (session, link) => {
      links[session.role] = link;
      return { receive: (p) => void got[session.role].push(String(p)), pathLost: (why) => void lost[session.role].push(why), dispose: () => undefined };
    },
  };
  /** Both sides say `n` more numbered lines at once. */
  let said = 0;
  const say = (n: number) => {
    for (let i = 0; i < n; i++) {
      said++;
      links.helper!.send(`h${said}`);
      links.novice!.send(`n${said}`);
    }
  };
  /** Every line each side said, once and in order, at the other. */
  const heard = (from: 'h' | 'n') => Array.from({ length: said }, (_, i) => `${from}${i + 1}`);
  const complete = () => got.novice.length >= said && got.helper.length >= said;
  return { channel, got, lost, links, say, heard, complete };
}

/** The helper's session, open: the invitation (lasting `minutes`) opened by `addresses` and accepted. */
async function opened(pair: SessionPair, addresses?: string[], minutes?: number): Promise<Session> {
  const invitation = await pair.invite('pass', minutes);
  const session = pair.open(invitation, 'pass', addresses ?? invitation.addresses);
  await until(session, ['awaiting-consent']);
  await pair.novice.accept(pair.pendingNovice()!.id);
  await until(session, ['open']);
  return session;
}

/** Every reason a side showed while reconnecting. */
function outages(pair: SessionPair): { novice: Set<string>; helper: Set<string> } {
  const seen = { novice: new Set<string>(), helper: new Set<string>() };
  for (const role of ['novice', 'helper'] as const)
    pair[role].subscribe({
      changed: () => pair[role].list().forEach((v) => v.reconnecting && seen[role].add(v.reconnecting.reason)),
      frame: () => undefined,
    });
  return seen;
}

/** A channel asking the novice for `control`, granted at once; it notes when the session takes it back. */
function control() {
  const revoked: string[] = [];
  const channel: SessionChannel = {
    id: 'control',
    title: 'Control',
    maxFrameBytes: 256,
    consentScope: 'control',
    open: (session, link) => {
      if (session.role === 'novice') link.consent('granted');
      return { receive: () => undefined, revoke: (why) => void revoked.push(why), dispose: () => undefined };
    },
  };
  return { channel, revoked };
}

describe('session resume: a dropped path comes back with nothing lost or doubled', function () {
  this.timeout(60_000);
  let identity: NoviceIdentity;
  let pair: SessionPair | undefined;

  before(async () => {
    const home = await mkdtemp(join(tmpdir(), 'ra-resume-'));
    identity = await NoviceIdentity.open(home);
  });
  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  });

  it('resumes within 5 s while both sides keep talking, every message arriving once and in order; control is taken back', async () => {
    const t = talk();
    const c = control();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel, c.channel] });
    const helper = await pair.connected();
    const novice = pair.novice.list().find((s) => s.state === 'open')!;
    assert.deepEqual(novice.rights, ['view', 'control']);
    let n = 0;
    const send = () => {
      n++;
      t.links.helper!.send(`h${n}`);
      t.links.novice!.send(`n${n}`);
    };
    for (let i = 0; i < 50; i++) send();
    // Mid-stream, with frames on the way and not yet acknowledged.
    pair.cut();
    const cutAt = Date.now();
    for (let i = 0; i < 50; i++) send();
    await eventually(() => helper.view().reconnecting !== undefined || helper.view().rights.length > 0, 'the helper notices');
    await eventually(() => t.got.novice.length === 100 && t.got.helper.length === 100, 'every message on both sides', 10_000);
    const resumedIn = Date.now() - cutAt;
    assert.ok(resumedIn < 5000, `resumed in ${resumedIn} ms`);
    const expected = (p: string) => Array.from({ length: 100 }, (_, i) => `${p}${i + 1}`);
    assert.deepEqual(t.got.novice, expected('h'), 'the helper’s messages at the novice, once each, in order');
    assert.deepEqual(t.got.helper, expected('n'));
    assert.equal(helper.current, 'open');
    assert.equal(helper.view().reconnecting, undefined);
    const noviceView = pair.novice.get(novice.id).view();
    assert.deepEqual(noviceView.rights, ['view'], 'control ended with the lost path; the novice grants it again if she wants');
    assert.deepEqual(c.revoked, ['the connection was lost']);
    assert.equal(t.lost.novice.length + t.lost.helper.length, 2, 'each side told its channels once');
    console.log(`      figures: resumed, 200 messages exactly once, ${resumedIn} ms after the cut`);
  });

  it('resumes a path that went silent (a pulled cable): both sides notice by the silence, nothing lost or doubled', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, {
      channels: [t.channel],
      timing: { pingMs: 200, silenceMs: 1000, stallMs: 5000 },
    });
    const detour = await Detour.start(pair.port);
    try {
      const seen = outages(pair);
      const helper = await opened(pair, [detour.address]);
      t.say(20);
      detour.blackhole();
      const cutAt = Date.now();
      t.say(20);
      await eventually(t.complete, 'every line on both sides', 10_000);
      const resumedIn = Date.now() - cutAt;
      assert.deepEqual(t.got.novice, t.heard('h'));
      assert.deepEqual(t.got.helper, t.heard('n'));
      assert.ok(resumedIn < 5000, `resumed ${resumedIn} ms after the path went silent`);
      assert.equal(helper.view().path?.via, detour.address, 'back by the same route and address');
      assert.deepEqual([...seen.helper], ["nothing came from the novice's computer for 1 s"]);
      assert.ok(seen.novice.size <= 1, 'the novice may notice before the helper is back, or not at all');
      assert.equal(detour.connections, 2);
      console.log(`      figures: a silent path resumed ${resumedIn} ms after it went silent (silence limit 1 s)`);
    } finally {
      await detour.stop();
    }
  });

  it('notices at once a path whose far end closed with no goodbye (a half-open relay socket), not at the next ping', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel] });
    const detour = await Detour.start(pair.port);
    try {
      const seen = outages(pair);
      const helper = await opened(pair, [detour.address]);
      t.say(20);
      detour.end();
      const endedAt = Date.now();
      await eventually(() => seen.helper.size > 0, 'the helper notices');
      const noticedIn = Date.now() - endedAt;
      t.say(20);
      await eventually(t.complete, 'every line on both sides', 10_000);
      assert.deepEqual(t.got.novice, t.heard('h'));
      assert.deepEqual(t.got.helper, t.heard('n'));
      assert.ok(noticedIn < 1000, `noticed ${noticedIn} ms after the far end closed (the wire pings every 5 s)`);
      assert.equal(helper.current, 'open');
    } finally {
      await detour.stop();
    }
  });

  it('ends control at the novice too when only the helper saw the path die, before any frame of the new path is read', async () => {
    const t = talk();
    const c = control();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, {
      channels: [t.channel, c.channel],
      timing: { pingMs: 200, silenceMs: 60_000, stallMs: 60_000 },
      helperTiming: { pingMs: 200, silenceMs: 1000, stallMs: 5000 },
    });
    const detour = await Detour.start(pair.port);
    try {
      const seen = outages(pair);
      await opened(pair, [detour.address]);
      const nora = pair.novice.list()[0].id;
      assert.deepEqual(pair.novice.get(nora).view().rights, ['view', 'control']);
      t.say(5);
      detour.blackhole();
      t.say(5);
      await eventually(t.complete, 'every line on both sides', 10_000);
      assert.deepEqual([t.got.novice, t.got.helper], [t.heard('h'), t.heard('n')]);
      assert.equal(seen.novice.size, 0, 'the novice never saw the path down');
      assert.deepEqual(t.lost.novice, ["the helper's computer lost the connection and came back on a new one"]);
      assert.deepEqual(pair.novice.get(nora).view().rights, ['view']);
      assert.deepEqual(c.revoked, ['the connection was lost']);
    } finally {
      await detour.stop();
    }
  });

  it('resumes after the invitation expired and was deleted, as often as the path drops', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel] });
    const helper = await opened(pair, undefined, 2 / 60);
    const invitationId = helper.invitationId;
    await eventually(async () => (await pair!.store.get(invitationId))?.status === 'expired', 'the invitation expires', 5000);
    for (const drop of ['expired', 'deleted']) {
      if (drop === 'deleted') await pair.store.setStatus(invitationId, 'deleted');
      t.say(10);
      pair.cut();
      t.say(10);
      await eventually(t.complete, `every line after a drop with the invitation ${drop}`, 10_000);
      assert.equal(helper.current, 'open');
    }
    assert.deepEqual(t.got.novice, t.heard('h'));
    assert.deepEqual(t.got.helper, t.heard('n'));
    assert.equal(pair.novice.list()[0].state, 'open');
  });

  it('does not resume a session the novice ended while the path was down: the helper reads who ended it and why', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel] });
    const detour = await Detour.start(pair.port);
    try {
      const helper = await opened(pair, [detour.address]);
      const nora = pair.novice.list()[0].id;
      detour.cut(1500);
      await eventually(() => pair!.novice.get(nora).view().reconnecting !== undefined, 'the novice notices');
      pair.novice.disconnect(nora);
      const ended = await until(helper, ['ended'], 10_000);
      assert.deepEqual([ended.endedBy, ended.reason], ['novice', 'the novice disconnected']);
      assert.ok(detour.connections > 1, 'the helper came back to hear it');
    } finally {
      await detour.stop();
    }
  });

  it('tells the novice when the helper left while the path was down, instead of leaving her to wait', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel] });
    const detour = await Detour.start(pair.port);
    try {
      const helper = await opened(pair, [detour.address]);
      const nora = pair.novice.list()[0].id;
      detour.cut(1500);
      await eventually(() => helper.view().reconnecting !== undefined, 'the helper notices');
      pair.helper.disconnect(helper.id);
      const started = Date.now();
      await eventually(() => pair!.novice.get(nora).ended, 'the novice hears it', 10_000);
      assert.deepEqual([pair.novice.get(nora).view().endedBy, pair.novice.get(nora).view().reason], ['helper', 'the helper disconnected']);
      assert.ok(Date.now() - started < 5000, 'as soon as the path is back, not at the end of the wait');
    } finally {
      await detour.stop();
    }
  });

  it('ends at once when more is sent while the path is down than the journal keeps', async () => {
    const t = talk(1024 * 1024);
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel] });
    const helper = await opened(pair);
    pair.deafen();
    pair.cut();
    await eventually(() => helper.view().reconnecting !== undefined, 'the helper notices');
    const started = Date.now();
    const mib = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 9 && !helper.ended; i++) t.links.helper!.send(mib);
    const ended = await until(helper, ['ended'], 2000);
    assert.ok(Date.now() - started < 2000);
    assert.equal(
      ended.reason,
      'the connection was lost and the session could not be resumed: more was sent while it was down than this computer keeps (100000 frames or 8 MiB)',
    );
  });

  it('refuses a resume whose proof fails, and ends the session after a few such tries', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel] });
    const helper = await pair.connected();
    const id = helper.resumeId!;
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = connect({ host: '127.0.0.1', port: pair.port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      socket.write(encodeControl({ t: 'resume', v: 3, id, proof: Buffer.alloc(32, i).toString('base64'), received: 0 }));
      const reply = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.once('close', () => resolve(text));
      });
      answers.push(/"message":"([^"]+)"/.exec(reply)?.[1] ?? reply);
    }
    assert.equal(answers[0], 'the resume proof failed: this is not the helper of that session');
    const novice = pair.novice.list()[0];
    assert.equal(novice.state, 'ended');
    assert.equal(novice.reason, 'the session ended after 5 failed attempts to resume it');
    await until(helper, ['ended']);
  });

  it('ends both sides with the reason when the path cannot come back within the time', async () => {
    const t = talk();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-resume-')), identity, { channels: [t.channel], resumeMs: 1500 });
    const helper = await pair.connected();
    pair.deafen();
    pair.cut();
    const ended = await until(helper, ['ended'], 10_000);
    // Why it dropped, and why the last attempt to come back failed.
    assert.match(
      ended.reason ?? '',
      /^the connection was lost and could not be resumed within 2 s: .+; the last attempt: could not reach Nora's computer: .+$/,
    );
    await eventually(() => pair!.novice.list()[0].state === 'ended', 'the novice gives up too');
    assert.match(pair.novice.list()[0].reason ?? '', /could not be resumed within 2 s/);
  });
});

describe('session resume: the journal and the proofs', () => {
  it('keeps only what the peer has not acknowledged, and says when a resume needs what it dropped', () => {
    const journal = new Journal(10, 100);
    for (const text of ['aaaa', 'bbbb', 'cccc']) journal.record('talk', text);
    journal.ack(1);
    assert.deepEqual(
      journal.after(1)?.map((e) => e.payload),
      ['bbbb', 'cccc'],
    );
    assert.equal(journal.record('talk', 'dddd'), false, 'frame 2 was let go unacknowledged');
    assert.equal(journal.after(1), undefined, 'frame 2 was dropped to stay within 10 bytes');
    assert.deepEqual(
      journal.after(2)?.map((e) => e.seq),
      [3, 4],
    );
    assert.equal(journal.after(5), undefined, 'a peer cannot have received more than was sent');
    journal.ack(4);
    assert.deepEqual(journal.size, { frames: 0, bytes: 0 });
    const counted = new Journal(1 << 20, 2);
    assert.deepEqual([counted.record('a', '1'), counted.record('a', '2'), counted.record('a', '3')], [true, true, false], 'bounded by frames too');
    assert.equal(counted.bounds, '2 frames or 1 MiB');
    counted.clear();
    assert.deepEqual(counted.size, { frames: 0, bytes: 0 });
  });

  it('binds each proof to its side and its connection', () => {
    const keys = resumeKeys(new Uint8Array(32).fill(7));
    const other = resumeKeys(new Uint8Array(32).fill(8));
    assert.notEqual(keys.id, other.id);
    const binding = new Uint8Array(32).fill(1);
    const proof = resumeProof(keys, 'helper', binding);
    assert.ok(checkProof(keys, 'helper', binding, proof));
    assert.ok(!checkProof(keys, 'novice', binding, proof), 'reflected to the other side');
    assert.ok(!checkProof(keys, 'helper', new Uint8Array(32).fill(2), proof), 'replayed on another connection');
    assert.ok(!checkProof(other, 'helper', binding, proof));
  });
});
