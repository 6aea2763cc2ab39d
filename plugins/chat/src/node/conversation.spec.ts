import assert from 'node:assert/strict';
import { ApiError, type Logger } from '@ra/kernel';
import { type ChannelEndpoint } from '@ra/plugin-session/api';
import { RecordingLink, sampleSession } from '@ra/plugin-session/testing';
import { MAX_HISTORY, type LiveMessage } from '../common/message.js';
import { ChatChannel } from './chat-channel.js';
import { PEER_LIMIT, SEND_LIMIT } from './conversation.js';
import { encodeMessage, MAX_FRAME_BYTES } from './frame.js';

/** A link that also hands each frame to the peer's endpoint, as the session's wire does. */
class PipeLink extends RecordingLink {
  to?: ChannelEndpoint;
  override send(payload: Uint8Array | string): void {
    super.send(payload);
    this.to?.receive(payload);
  }
}

const SESSION = 'session-chat';

/** Both sides of one session, on a clock the test moves, with the warnings each side logged. */
function pair() {
  const clock = { now: Date.UTC(2030, 0, 2, 3, 4, 5) };
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const novice = new ChatChannel(logger, () => clock.now);
  const helper = new ChatChannel(logger, () => clock.now);
  const toHelper = new PipeLink();
  const toNovice = new PipeLink();
  const noviceEnd = novice.open(sampleSession({ id: SESSION, role: 'novice', localName: 'Nora Novice', peerName: 'Hank Helper' }), toHelper);
  const helperEnd = helper.open(sampleSession({ id: SESSION, role: 'helper', localName: 'Hank Helper', peerName: 'Nora Novice' }), toNovice);
  toHelper.to = helperEnd;
  toNovice.to = noviceEnd;
  return { clock, warnings, novice, helper, noviceEnd, helperEnd, toHelper, toNovice };
}

const TEXTS = ['Grüße, 世界 👋 שלום', 'e\u0301 vs \u00e9, not normalised', 'مرحبا 123 abc', '👨‍👩‍👧 🇩🇪\nsecond line\ttab', '\u0000 control and \u200f marks'];

describe('ChatChannel: a conversation between both sides', () => {
  it('records each message on both sides, with the sender’s name, role and the local time', () => {
    const { novice, helper, clock } = pair();
    const sent = novice.conversation(SESSION).send('Hello?');
    clock.now += 60_000;
    const reply = helper.conversation(SESSION).send('Hi Nora');
    assert.deepEqual({ ...sent, id: 'x' }, { id: 'x', from: 'Nora Novice', role: 'novice', text: 'Hello?', sentAt: '2030-01-02T03:04:05.000Z' });
    assert.match(sent.id, /^[0-9a-f-]{36}$/);
    const expected = [sent, { ...reply, sentAt: '2030-01-02T03:05:05.000Z' }];
    assert.deepEqual(novice.conversation(SESSION).history(), expected);
    assert.deepEqual(helper.conversation(SESSION).history(), expected);
    assert.equal(reply.from, 'Hank Helper');
    assert.equal(reply.role, 'helper');
  });

  it('sends only the id and the text: the receiver stamps name, role and time itself', () => {
    const { novice, toHelper } = pair();
    const sent = novice.conversation(SESSION).send('Hello?');
    assert.deepEqual(
      toHelper.sent.map((f) => JSON.parse(f as string)),
      [{ type: 'message', id: sent.id, text: 'Hello?' }],
    );
  });

  it('keeps every kind of Unicode exactly, through the wire and back', () => {
    const { novice, helper } = pair();
    for (const text of TEXTS) novice.conversation(SESSION).send(text);
    for (const text of TEXTS) helper.conversation(SESSION).send(text);
    const texts = (side: ChatChannel) =>
      side
        .conversation(SESSION)
        .history()
        .map((m) => m.text);
    assert.deepEqual(texts(helper), [...TEXTS, ...TEXTS]);
    assert.deepEqual(texts(novice), [...TEXTS, ...TEXTS]);
  });

  it('refuses an over-long, an empty and a malformed message with the reason, and sends nothing', () => {
    const { novice, toHelper } = pair();
    const chat = novice.conversation(SESSION);
    assert.throws(() => chat.send('界'.repeat(2001)), { status: 400, message: 'a chat message may be at most 2000 characters; this one has 2001' });
    assert.throws(() => chat.send('   '), { status: 400, message: 'a chat message cannot be empty' });
    assert.throws(
      () => chat.send({ text: 'hi' }),
      (e: unknown) => e instanceof ApiError && e.status === 400,
    );
    assert.throws(() => chat.send('\udc00'), /lone surrogate/);
    assert.equal(toHelper.sent.length, 0);
    assert.deepEqual(chat.history(), []);
  });

  it('drops malformed and oversized peer frames with a log line naming the peer, and keeps going', () => {
    const { helper, helperEnd, warnings } = pair();
    const frames: (string | Uint8Array)[] = [
      'not json',
      '[1,2]',
      new Uint8Array([1, 2, 3]),
      JSON.stringify({ type: 'typing' }),
      JSON.stringify({ type: 'message', id: '../../x', text: 'hi' }),
      encodeMessage({ id: 'm-1', text: '' }),
      encodeMessage({ id: 'm-2', text: 'x'.repeat(2001) }),
      'x'.repeat(MAX_FRAME_BYTES + 1),
    ];
    for (const frame of frames) assert.doesNotThrow(() => helperEnd.receive(frame));
    helperEnd.receive(encodeMessage({ id: 'm-3', text: 'still here' }));
    helperEnd.receive(encodeMessage({ id: 'm-3', text: 'same id again' }));
    assert.deepEqual(
      helper
        .conversation(SESSION)
        .history()
        .map((m) => m.text),
      ['still here'],
    );
    assert.equal(warnings.length, frames.length + 1);
    assert.ok(
      warnings.every((w) => w.startsWith(`chat in session ${SESSION}: dropped `) && w.endsWith(' from Nora Novice')),
      warnings.join('\n'),
    );
    assert.match(warnings[0], /a frame that is not JSON/);
    assert.match(warnings[2], /3-byte binary frame/);
    assert.match(warnings[3], /unknown type 'typing'/);
    assert.match(warnings[4], /without a valid id/);
    assert.match(warnings[6], /at most 2000 characters; this one has 2001/);
    assert.match(warnings[7], new RegExp(`${MAX_FRAME_BYTES + 1}-character frame`));
    assert.match(warnings[8], /id m-3, which is already taken/);
  });

  it(`drops peer frames beyond ${PEER_LIMIT.max} in ${PEER_LIMIT.windowMs / 1000} s, logging the flood once, and takes them again later`, () => {
    const { helper, helperEnd, warnings, clock } = pair();
    for (let i = 0; i < 100; i++) helperEnd.receive(encodeMessage({ id: `f-${i}`, text: `flood ${i}` }));
    assert.equal(helper.conversation(SESSION).history().length, PEER_LIMIT.max);
    assert.deepEqual(warnings, [`chat in session ${SESSION}: Nora Novice sent more than 40 frames in 10 s; dropping them until they slow down`]);
    clock.now += PEER_LIMIT.windowMs;
    helperEnd.receive(encodeMessage({ id: 'later', text: 'calm again' }));
    assert.equal(helper.conversation(SESSION).history().at(-1)?.text, 'calm again');
  });

  it(`refuses own messages beyond ${SEND_LIMIT.max} in ${SEND_LIMIT.windowMs / 1000} s with 429, so both sides keep the same history`, () => {
    const { novice, helper, clock } = pair();
    for (let i = 0; i < SEND_LIMIT.max; i++) novice.conversation(SESSION).send(`line ${i}`);
    assert.throws(() => novice.conversation(SESSION).send('one too many'), {
      status: 429,
      message: 'too many chat messages: at most 20 messages in 10 s; wait a moment',
    });
    clock.now += SEND_LIMIT.windowMs;
    novice.conversation(SESSION).send('after a pause');
    const ids = (side: ChatChannel) =>
      side
        .conversation(SESSION)
        .history()
        .map((m) => m.id);
    assert.equal(ids(novice).length, SEND_LIMIT.max + 1);
    assert.deepEqual(ids(helper), ids(novice));
  });

  it('tells its listeners every message it records, this side’s and the peer’s, and nothing it refuses or drops', () => {
    const { novice, helper, noviceEnd } = pair();
    const heard: LiveMessage[] = [];
    const listening = novice.onMessage((live) => heard.push(live));
    const mine = novice.conversation(SESSION).send('Hello?');
    const theirs = helper.conversation(SESSION).send('Hi Nora');
    assert.throws(() => novice.conversation(SESSION).send(' '));
    noviceEnd.receive('not json');
    listening.dispose();
    novice.conversation(SESSION).send('unheard');
    assert.deepEqual(heard, [
      { sessionId: SESSION, message: mine },
      { sessionId: SESSION, message: novice.conversation(SESSION).history()[1] },
    ]);
    assert.equal(heard[1].message.id, theirs.id);
  });

  it(`keeps only the last ${MAX_HISTORY} messages: older ones drop off, their ids with them`, () => {
    const { helper, helperEnd, clock } = pair();
    for (let i = 0; i < MAX_HISTORY + 100; i++) {
      clock.now += PEER_LIMIT.windowMs / PEER_LIMIT.max;
      helperEnd.receive(encodeMessage({ id: `m-${i}`, text: `line ${i}` }));
    }
    const history = helper.conversation(SESSION).history();
    assert.equal(history.length, MAX_HISTORY);
    assert.deepEqual([history[0].text, history.at(-1)?.text], ['line 100', `line ${MAX_HISTORY + 99}`]);
    clock.now += PEER_LIMIT.windowMs;
    helperEnd.receive(encodeMessage({ id: 'm-0', text: 'an id no longer kept' }));
    assert.equal(helper.conversation(SESSION).history().at(-1)?.text, 'an id no longer kept');
  });

  it('drops the history when the session ends; the session is then unknown (404)', () => {
    const { novice, noviceEnd, toHelper } = pair();
    novice.conversation(SESSION).send('bye');
    noviceEnd.dispose();
    noviceEnd.dispose();
    noviceEnd.receive(encodeMessage({ id: 'late', text: 'too late' }));
    assert.throws(() => novice.conversation(SESSION), { status: 404, message: `no open session '${SESSION}' to chat in on this computer` });
    assert.equal(toHelper.sent.length, 1);
  });
});
