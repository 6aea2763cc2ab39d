import assert from 'node:assert/strict';
import sinon from 'sinon';
import { quietLogger } from '@ra/kernel/testing';
import { describeMediaChannelContract, RecordingLink, sampleSession } from '@ra/plugin-session/testing';
import { encoding, type VoiceView } from '../common/messages.js';
import { ASK_MS, MAX_MESSAGES_PER_SECOND, MAX_SAMPLES_PER_SECOND, REASK_MS, Talk } from './talk.js';
import { VoiceChannel } from './voice-channel.js';

type Side = 'novice' | 'helper';

/** A link whose frames to the peer wait in a queue until `flush()`: both sides may act before either hears. */
class QueuedLink extends RecordingLink {
  peer?: Pick<Talk, 'receive'>;
  private readonly queue: (Uint8Array | string)[] = [];

  override send(payload: Uint8Array | string): void {
    super.send(payload);
    this.queue.push(payload);
  }

  flush(): void {
    for (const frame of this.queue.splice(0)) this.peer!.receive(frame);
  }
}

/** Nora (the novice) and Hank (the helper), each with a Talk, the two wired through queued links. */
function pair(unavailable: Partial<Record<Side, string>> = {}) {
  const links = { novice: new QueuedLink(), helper: new QueuedLink() };
  const make = (side: Side) =>
    new Talk(sampleSession({ role: side, peerName: side === 'novice' ? 'Hank' : 'Nora', localName: side === 'novice' ? 'Nora' : 'Hank' }), links[side], {
      unavailable: () => unavailable[side],
      encoding: () => encoding('standard', 24_000, true),
      elsewhere: () => undefined,
      logger: quietLogger,
    });
  const talks = { novice: make('novice'), helper: make('helper') };
  links.novice.peer = talks.helper;
  links.helper.peer = talks.novice;
  const flush = () => {
    for (let i = 0; i < 4; i++) {
      links.novice.flush();
      links.helper.flush();
    }
  };
  const page = (side: Side, command: object) => {
    talks[side].fromPage(JSON.stringify(command));
    flush();
  };
  /** The last view each side's page was handed. */
  const view = (side: Side): VoiceView => {
    const views = links[side].paged.filter((p): p is string => typeof p === 'string');
    return JSON.parse(views.at(-1)!) as VoiceView;
  };
  const audio = (side: Side) => links[side].paged.filter((p) => typeof p !== 'string').length;
  flush();
  return { links, talks, page, view, audio, flush };
}

/** A 20 ms CELT packet (TOC 0xf8). */
const frame = Uint8Array.of(0xf8, 1, 2, 3);

describe('voice: Start Talking, the Yes, and audio only while talking', () => {
  it("asks the other side, which sees the request; a Yes starts the talk on both, and that is the novice's consent", () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    assert.equal(p.view('helper').phase, 'asking');
    assert.equal(p.view('novice').phase, 'asked');
    p.page('novice', { t: 'answer', yes: true });
    assert.deepEqual([p.view('novice').phase, p.view('helper').phase], ['talking', 'talking']);
    assert.deepEqual(p.links.novice.consents, [{ step: 'requested' }, { step: 'granted' }]);
    assert.deepEqual(p.links.helper.consents, [], "consent is the novice's to give");
  });

  it('passes no audio either way before the Yes, and both ways after it', () => {
    const p = pair();
    p.talks.helper.fromPage(frame);
    p.page('helper', { t: 'start' });
    p.talks.helper.fromPage(frame);
    p.talks.novice.receive(frame);
    p.flush();
    assert.equal(p.links.helper.sent.filter((f) => typeof f !== 'string').length, 0, 'nothing sent before the Yes');
    assert.equal(p.audio('novice'), 0, 'nothing played before the Yes');
    assert.equal(p.talks.helper.counts.refused, 2);
    p.page('novice', { t: 'answer', yes: true });
    p.talks.helper.fromPage(frame);
    p.talks.novice.fromPage(frame);
    p.flush();
    assert.deepEqual([p.audio('novice'), p.audio('helper')], [1, 1]);
    assert.deepEqual(p.talks.helper.counts, { sent: 1, received: 1, refused: 2, sentBytes: 4, receivedBytes: 4 });
  });

  it("takes no Yes it never asked for: a peer's answer out of turn opens nothing on either side", () => {
    const p = pair();
    // A rogue helper's RA answers Yes to nobody's request, then sends audio as if talking.
    p.talks.novice.receive(JSON.stringify({ t: 'answer', yes: true }));
    p.talks.novice.receive(frame);
    p.talks.novice.fromPage(frame);
    p.flush();
    assert.equal(p.view('novice').phase, 'idle');
    assert.equal(p.audio('novice'), 0, "nothing of the helper's is played");
    assert.equal(p.links.novice.sent.filter((f) => typeof f !== 'string').length, 0, "nothing of the novice's microphone goes out");
    assert.deepEqual(p.links.novice.consents, [], 'the novice was never asked, and granted nothing');
  });

  it('tells the asker of a No', () => {
    const p = pair();
    p.page('novice', { t: 'start' });
    p.page('helper', { t: 'answer', yes: false });
    assert.equal(p.view('novice').phase, 'idle');
    assert.equal(p.view('novice').note, 'Hank said no');
    assert.deepEqual(p.links.novice.consents, [{ step: 'revoked', reason: 'Hank said no' }]);
  });

  it('answers a request that comes again within 30 s of a No by itself, and asks the novice again after that', () => {
    const clock = sinon.useFakeTimers({ now: 1_000_000 });
    try {
      const p = pair();
      p.page('helper', { t: 'start' });
      p.page('novice', { t: 'answer', yes: false });
      p.page('helper', { t: 'start' });
      assert.equal(p.view('novice').phase, 'idle', 'no second dialog for the novice');
      assert.equal(p.view('helper').note, 'Nora cannot talk now: “Nora said no a moment ago; ask again in a little while”');
      clock.tick(REASK_MS);
      p.page('helper', { t: 'start' });
      assert.equal(p.view('novice').phase, 'asked');
    } finally {
      clock.restore();
    }
  });

  it('drops audio from a peer that sends more than 1.5 s of it a second, and messages beyond 20 a second', () => {
    const clock = sinon.useFakeTimers({ now: 1_000_000 });
    try {
      const p = pair();
      p.page('helper', { t: 'start' });
      p.page('novice', { t: 'answer', yes: true });
      const allowed = MAX_SAMPLES_PER_SECOND / 960;
      for (let i = 0; i < 400; i++) p.talks.novice.receive(frame);
      assert.equal(p.audio('novice'), allowed, '75 packets of 20 ms');
      clock.tick(1000);
      p.talks.novice.receive(frame);
      assert.equal(p.audio('novice'), allowed + 1, 'the next second has its own allowance');
      const views = p.links.novice.paged.length;
      for (let i = 0; i < 100; i++) p.talks.novice.receive(JSON.stringify({ t: 'mute', muted: i % 2 === 0 }));
      assert.ok(p.links.novice.paged.length - views <= MAX_MESSAGES_PER_SECOND, 'at most 20 messages a second change anything');
    } finally {
      clock.restore();
    }
  });

  it('mutes one direction only, and each side sees the other muted', () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    p.page('novice', { t: 'mute', muted: true });
    assert.equal(p.view('novice').muted, true);
    assert.equal(p.view('helper').peerMuted, true);
    p.talks.novice.fromPage(frame);
    p.talks.helper.fromPage(frame);
    p.flush();
    assert.deepEqual([p.audio('helper'), p.audio('novice')], [0, 1], 'the muted novice is not heard; the helper is');
    p.page('novice', { t: 'mute', muted: false });
    p.talks.novice.fromPage(frame);
    p.flush();
    assert.equal(p.audio('helper'), 1);
  });

  it('plays no binary frame that is not an Opus packet', () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    for (const bad of [new Uint8Array(0), Uint8Array.of(0xf3), new Uint8Array(1276).fill(0xf8)]) p.talks.novice.receive(bad);
    assert.equal(p.audio('novice'), 0);
    assert.equal(p.talks.novice.counts.refused, 3);
  });

  it('counts a request withdrawn at once as a No: asking again within 30 s does not reach the novice', () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('helper', { t: 'stop' });
    assert.equal(p.view('novice').note, 'Hank stopped asking');
    p.page('helper', { t: 'start' });
    assert.equal(p.view('novice').phase, 'idle');
    assert.match(p.view('helper').note!, /^Nora cannot talk now: “Nora said no a moment ago/);
  });

  it('says the other side has not said it can talk until it does, and when its voice plugin stops', () => {
    const link = new RecordingLink();
    const lonely = new Talk(sampleSession({ role: 'helper', peerName: 'Nora' }), link, {
      unavailable: () => undefined,
      encoding: () => encoding('standard', 22_000, true),
      elsewhere: () => undefined,
      logger: quietLogger,
    });
    lonely.fromPage(JSON.stringify({ t: 'hello' }));
    const view = JSON.parse(link.paged.at(-1) as string) as VoiceView;
    assert.equal(view.unavailable, "RA on Nora's computer has not said yet that it can talk (it may have no voice)");
    const p = pair();
    p.talks.novice.dispose();
    p.flush();
    p.page('helper', { t: 'hello' });
    assert.equal(p.view('helper').unavailable, "talking is turned off on Nora's computer: “RA's voice plugin was stopped there”");
    p.talks.novice.receive(JSON.stringify({ t: 'ask' }));
    assert.deepEqual(p.links.novice.consents, [], 'a disposed talk takes no more requests');
  });

  it('plays nothing a muted peer still sends', () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    p.page('helper', { t: 'mute', muted: true });
    p.talks.novice.receive(frame);
    assert.equal(p.audio('novice'), 0);
  });

  it('ends for both with either Stop Talking, taking the consent back', () => {
    const p = pair();
    p.page('novice', { t: 'start' });
    p.page('helper', { t: 'answer', yes: true });
    p.page('helper', { t: 'stop' });
    assert.deepEqual([p.view('novice').phase, p.view('helper').phase], ['idle', 'idle']);
    assert.equal(p.view('novice').note, 'Hank stopped talking');
    assert.deepEqual(p.links.novice.consents.at(-1), { step: 'revoked', reason: 'Hank stopped talking' });
    p.talks.helper.fromPage(frame);
    p.flush();
    assert.equal(p.audio('novice'), 0);
  });

  it('starts talking when both click Start Talking at once', () => {
    const p = pair();
    p.talks.novice.fromPage(JSON.stringify({ t: 'start' }));
    p.talks.helper.fromPage(JSON.stringify({ t: 'start' }));
    p.flush();
    assert.deepEqual([p.view('novice').phase, p.view('helper').phase], ['talking', 'talking']);
  });

  it('says why Start Talking is off on either side, and answers a request No by itself where it is off', () => {
    const p = pair({ novice: "the policy denies every plugin the 'microphone' permission" });
    assert.equal(p.view('novice').unavailable, "talking is turned off on this computer: the policy denies every plugin the 'microphone' permission");
    p.page('helper', { t: 'hello' });
    assert.equal(p.view('helper').unavailable, "talking is turned off on Nora's computer: “the policy denies every plugin the 'microphone' permission”");
    p.page('helper', { t: 'start' });
    assert.equal(p.view('helper').phase, 'idle', 'no request goes out');
    assert.match(p.view('helper').note!, /^Start Talking is not available: talking is turned off on Nora's computer/);
    // An older page that asks anyway is answered No, with the reason.
    p.talks.helper['phase'] = 'asking';
    p.talks.novice.receive(JSON.stringify({ t: 'ask' }));
    p.flush();
    assert.match(p.view('helper').note!, /^Nora cannot talk now: “the policy denies/);
  });

  it('ends a talk when a setting or the policy turns voice off, and tells the other side why', () => {
    const off: Partial<Record<Side, string>> = {};
    const p = pair(off);
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    off.novice = 'the setting "Allow talking" is off';
    p.talks.novice.changed();
    p.flush();
    assert.equal(p.view('novice').phase, 'idle');
    assert.equal(p.view('novice').note, 'talking is turned off on this computer: the setting "Allow talking" is off');
    assert.equal(p.view('helper').note, 'Nora stopped talking: “the setting "Allow talking" is off”');
    assert.match(p.view('helper').unavailable!, /^talking is turned off on Nora's computer: “the setting "Allow talking" is off”/);
  });

  it('tells the other side why it hears nothing when a microphone fails', () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    p.page('novice', { t: 'trouble', what: 'no microphone was found on this computer' });
    assert.equal(p.view('helper').note, 'Nora cannot be heard: “no microphone was found on this computer”');
    assert.equal(p.view('helper').phase, 'talking', 'the helper is still heard');
  });

  it('stops when the path is lost, and tells the peer when ra.voice stops or the session ends', () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    p.talks.novice.pathLost('the connection was lost');
    assert.equal(p.view('novice').phase, 'idle');
    assert.equal(p.view('novice').note, 'talking stopped: the connection was lost');
    const q = pair();
    q.page('helper', { t: 'start' });
    q.page('novice', { t: 'answer', yes: true });
    q.talks.helper.dispose();
    q.flush();
    assert.equal(q.view('novice').phase, 'idle');
    q.talks.helper.dispose();
  });

  it('gives up asking after a minute with no answer', () => {
    const clock = sinon.useFakeTimers();
    try {
      const p = pair();
      p.page('helper', { t: 'start' });
      clock.tick(ASK_MS);
      p.flush();
      assert.equal(p.view('helper').phase, 'idle');
      assert.equal(p.view('helper').note, 'Nora did not answer');
      assert.equal(p.view('novice').phase, 'idle', "the request leaves the novice's screen");
    } finally {
      clock.restore();
    }
  });

  it("cleans the peer's reasons before anyone reads them: no bidi overrides or control characters, 300 characters at most", () => {
    const p = pair();
    p.page('helper', { t: 'start' });
    p.page('novice', { t: 'answer', yes: true });
    p.talks.helper.receive(JSON.stringify({ t: 'trouble', what: `evil\u202e\u0007${'x'.repeat(400)}` }));
    const note = p.view('helper').note!;
    assert.ok(note.startsWith('Nora cannot be heard: “evil xxx'), note);
    assert.equal([...note].length, 'Nora cannot be heard: “”'.length + 300);
  });

  it('ignores what is not a voice message, from the page or the peer', () => {
    const p = pair();
    for (const bad of ['', '{', 'null', '[]', '{"t":"answer"}', '{"t":"mute","muted":"yes"}', '{"t":"start","why":5}', '{"t":"nope"}'])
      assert.doesNotThrow(() => {
        p.talks.novice.fromPage(bad);
        p.talks.novice.receive(bad);
      });
    p.flush();
    assert.equal(p.view('novice').phase, 'idle');
  });
});

describeMediaChannelContract('ra.voice', async () => {
  const channel = new VoiceChannel({ unavailable: () => undefined, encoding: () => encoding('standard', 24_000, true), logger: quietLogger });
  return { channel, dispose: () => channel.dispose() };
});

describe('voice: the voice channel', () => {
  it('lists each session’s talk with its counts', () => {
    const channel = new VoiceChannel({ unavailable: () => undefined, encoding: () => encoding('low-bandwidth', 24_000, false), logger: quietLogger });
    const endpoint = channel.open(sampleSession(), new RecordingLink());
    const [entry] = channel.routes[0].handle({} as never) as { sessionId: string; view: VoiceView }[];
    assert.equal(entry.sessionId, 'session-0001');
    assert.deepEqual(entry.view.encoding, { frameMs: 20, sampleRate: 16_000, application: 2048, bitrate: 16_000, processing: false });
    endpoint.dispose();
    assert.deepEqual(channel.routes[0].handle({} as never), []);
  });

  it('talks in one session at a time: another session sees why, and a request there is answered no', () => {
    const channel = new VoiceChannel({ unavailable: () => undefined, encoding: () => encoding('standard', 24_000, false), logger: quietLogger });
    // Hank helps Nora and Olga at once; each novice runs a Talk of her own.
    const sessions = ['Nora', 'Olga'].map((name, i) => {
      const [helperLink, noviceLink] = [new QueuedLink(), new QueuedLink()];
      const id = `session-000${i + 1}`;
      const novice = new Talk(sampleSession({ id, role: 'novice', peerName: 'Hank', localName: name }), noviceLink, {
        unavailable: () => undefined,
        encoding: () => encoding('standard', 24_000, false),
        elsewhere: () => undefined,
        logger: quietLogger,
      });
      const helper = channel.open(sampleSession({ id, role: 'helper', peerName: name, localName: 'Hank' }), helperLink);
      [helperLink.peer, noviceLink.peer] = [novice, helper];
      const flush = () => [0, 1, 2, 3].forEach(() => (helperLink.flush(), noviceLink.flush()));
      const view = (link: QueuedLink) => JSON.parse(link.paged.filter((p): p is string => typeof p === 'string').at(-1)!) as VoiceView;
      flush();
      return { novice, helper, flush, helperView: () => view(helperLink), noviceView: () => view(noviceLink) };
    });
    const [nora, olga] = sessions;
    const all = () => sessions.forEach((s) => s.flush());
    nora.helper.fromPage!(JSON.stringify({ t: 'start' }));
    all();
    nora.novice.fromPage(JSON.stringify({ t: 'answer', yes: true }));
    all();
    assert.equal(nora.helperView().phase, 'talking');
    assert.equal(olga.helperView().unavailable, 'you are talking with Nora in another session; stop that first');
    olga.helper.fromPage!(JSON.stringify({ t: 'start' }));
    all();
    assert.equal(olga.helperView().phase, 'idle', 'Start Talking does nothing there');
    olga.novice.fromPage(JSON.stringify({ t: 'start' }));
    all();
    assert.equal(olga.noviceView().note, 'Hank cannot talk now: “Hank is talking in another session”');
    assert.equal(olga.helperView().phase, 'idle', 'the request never reached Hank');
    nora.helper.fromPage!(JSON.stringify({ t: 'stop' }));
    all();
    assert.equal(olga.helperView().unavailable, undefined, 'once that talk ends, Start Talking is there again');
    channel.dispose();
  });
});
