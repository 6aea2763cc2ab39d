import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { ChannelLink, SessionChannel } from '../../common/api.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { encodeControl } from '../wire/framing.js';
import { Journal } from './journal.js';
import { checkProof, resumeKeys, resumeProof } from './resume.js';
import { eventually, SessionPair, until } from './testing/pair.js';

/** A chat-like channel: each side keeps what it received, in order, and can send. */
function talk() {
  const got = { novice: [] as string[], helper: [] as string[] };
  const links: Partial<Record<'novice' | 'helper', ChannelLink>> = {};
  const channel: SessionChannel = {
    id: 'talk',
    title: 'Talk',
    maxFrameBytes: 1024,
    open: (session, link) => {
      links[session.role] = link;
      return { receive: (p) => void got[session.role].push(String(p)), dispose: () => undefined };
    },
  };
  return { channel, got, links };
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
    console.log(`      figures: resumed, 200 messages exactly once, ${resumedIn} ms after the cut`);
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
    assert.match(ended.reason ?? '', /^the connection was lost and could not be resumed within 2 s: /);
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
    journal.record('talk', 'dddd');
    assert.equal(journal.after(1), undefined, 'frame 2 was dropped to stay within 10 bytes');
    assert.deepEqual(
      journal.after(2)?.map((e) => e.seq),
      [3, 4],
    );
    assert.equal(journal.after(5), undefined, 'a peer cannot have received more than was sent');
    journal.clear();
    assert.deepEqual(journal.size, { frames: 0, bytes: 0 });
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
