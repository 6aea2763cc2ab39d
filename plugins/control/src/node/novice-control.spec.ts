import assert from 'node:assert/strict';
import { quietLogger } from '@ra/kernel/testing';
import { RecordingInputSink } from '../testing/recording-input-sink.js';
import { NoviceControl } from './novice-control.js';

const quiet = quietLogger;
const session = { id: 's1', invitationId: 't1', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };
const tick = () => new Promise((r) => setImmediate(r));

function novice(options: { unavailable?: () => string | undefined; onInject?: () => void; perSecond?: number; manual?: boolean } = {}) {
  const sent: string[] = [];
  const sink = new RecordingInputSink({ manual: options.manual, onInject: options.onInject });
  const control = new NoviceControl(
    session,
    { send: (p) => sent.push(String(p)), toPage() {}, close() {}, consent() {}, note() {}, buffered: 0, onDrain: () => ({ dispose() {} }) },
    {
      unavailable: options.unavailable ?? (() => undefined),
      sink: () => sink,
      display: () => ':99',
      logger: quiet,
      maxEventsPerSecond: options.perSecond ?? 100_000,
      publish: () => undefined,
    },
  );
  const last = () => JSON.parse(sent[sent.length - 1]);
  return { control, sent, sink, last };
}

const input = JSON.stringify({ t: 'pointer', event: { kind: 'move', x: 1, y: 1 } });

describe('control: the novice end enforces consent', () => {
  it('shares control only after a request and a Yes, and tells the helper each change', async () => {
    let injected = 0;
    const { control, last } = novice({ onInject: () => injected++ });
    assert.equal(last().view.phase, 'view-only');
    control.receive(input);
    control.receive(JSON.stringify({ t: 'request' }));
    assert.equal(last().view.phase, 'requested');
    assert.equal(control.answer(true).phase, 'shared');
    control.receive(input);
    await tick();
    assert.equal(injected, 1);
    assert.equal(control.status.dropped, 1);
  });

  it('refuses a second request while one is pending, and says why control is unavailable', () => {
    const pending = novice();
    pending.control.receive(JSON.stringify({ t: 'request' }));
    pending.control.receive(JSON.stringify({ t: 'request' }));
    assert.deepEqual(pending.last(), { t: 'refused', message: 'a control request is already waiting for an answer' });
    const off = novice({ unavailable: () => "Nora's computer does not allow remote control" });
    off.control.receive(JSON.stringify({ t: 'request' }));
    assert.deepEqual(off.last(), { t: 'refused', message: "Nora's computer does not allow remote control" });
    assert.equal(off.control.status.phase, 'view-only');
  });

  it('ends the request and tells both sides when control became unavailable before the Yes', () => {
    let why: string | undefined;
    const { control, last } = novice({ unavailable: () => why });
    control.receive(JSON.stringify({ t: 'request' }));
    why = "Nora's computer has no input plugin enabled";
    assert.equal(control.answer(true).refused, why);
    assert.deepEqual([last().view.phase, last().view.note], ['view-only', why]);
  });

  it('takes nothing more once disposed, and counts what still comes', async () => {
    let injected = 0;
    const { control } = novice({ onInject: () => injected++ });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    control.dispose();
    control.receive(JSON.stringify({ t: 'request' }));
    control.receive(input);
    await tick();
    assert.deepEqual([injected, control.status.phase, control.status.dropped], [0, 'view-only', 2]);
  });

  it('stops on the novice pressing Esc on the display, releases everything held, and says who stopped it', async () => {
    let injected = 0;
    const { control, sink, last } = novice({ onInject: () => injected++ });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    await tick();
    sink.pressEscape();
    control.receive(input);
    await tick();
    assert.equal(injected, 0);
    assert.equal(last().view.phase, 'view-only');
    assert.equal(last().view.note, 'Nora pressed Esc: control ended');
    assert.equal(sink.targets[0].released, 1);
    assert.equal(sink.targets[0].disposed, true);
    assert.equal(sink.watches[0].disposed, true, 'the Esc watch is closed');
  });

  it('ends control with the reason when the Esc watch reports another cause, such as a changed keyboard map', async () => {
    let injected = 0;
    const { control, sink, last } = novice({ onInject: () => injected++ });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    await tick();
    sink.changeKeymap('the keyboard map changed (keycode 9) during control; it was put back');
    control.receive(input);
    await tick();
    assert.equal(injected, 0);
    assert.equal(last().view.phase, 'view-only');
    assert.equal(last().view.note, 'control stopped: the keyboard map changed (keycode 9) during control; it was put back');
    assert.equal(sink.targets[0].released, 1);
    assert.equal(sink.targets[0].disposed, true);
    assert.equal(sink.watches[0].disposed, true, 'the Esc watch is closed');
  });

  it('drops a flood beyond the rate and malformed messages, with one clear reply a second', async () => {
    let injected = 0;
    const { control, sent } = novice({ onInject: () => injected++, perSecond: 10 });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    for (let i = 0; i < 50; i++) control.receive(input);
    await tick();
    assert.equal(injected, 10);
    assert.equal(control.status.dropped, 40);
    assert.ok(sent.some((s) => s.includes('more than 10 input events a second')));
  });

  it('answers 5,000 malformed messages with one reply, not 5,000', () => {
    const { control, sent } = novice({});
    const before = sent.length;
    for (let i = 0; i < 5000; i++) control.receive(i % 2 ? '{"t":"pointer","event":{"kind":"teleport","x":1,"y":1}}' : 'not json');
    const replies = sent.slice(before).filter((s) => JSON.parse(s).t === 'refused');
    assert.equal(replies.length, 1);
    assert.match(replies[0], /does not understand/);
  });

  it('closes the opened target when the Esc watch cannot start, so no X connection of the grant is left behind', async () => {
    const { control, sink, last } = novice({ manual: true });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    sink.settleOpen();
    sink.settleWatch(new Error('the X server has no XInput2'));
    control.receive(input);
    await tick();
    assert.equal(last().view.note, 'control stopped: Esc cannot be watched on this display (the X server has no XInput2)');
    assert.deepEqual([sink.injected.length, sink.targets[0].disposed], [0, true]);
  });
});
