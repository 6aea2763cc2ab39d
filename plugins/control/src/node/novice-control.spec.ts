import assert from 'node:assert/strict';
import type { InputSink, InputTarget } from '../common/api.js';
import { quietLogger } from '@ra/kernel/testing';
import { NoviceControl } from './novice-control.js';

const quiet = quietLogger;
const session = { id: 's1', invitationId: 't1', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };
const tick = () => new Promise((r) => setImmediate(r));

/** An input sink that records, and lets a test press Esc on the "display". */
function fakeSink(onInject: () => void) {
  const escapes: ((reason?: string) => void)[] = [];
  const released = { count: 0 };
  const sink: InputSink = {
    id: 'fake',
    title: 'Fake',
    open: async () =>
      ({
        pointer: async () => onInject(),
        key: async () => onInject(),
        releaseAll: async () => void released.count++,
        dispose: () => undefined,
      }) as InputTarget,
    watchEscape: async (_d, listener) => {
      escapes.push(listener);
      return { dispose: () => void escapes.splice(escapes.indexOf(listener), 1) };
    },
  };
  return { sink, escapes, released };
}

function novice(options: { unavailable?: () => string | undefined; onInject?: () => void; perSecond?: number } = {}) {
  const sent: string[] = [];
  const fake = fakeSink(options.onInject ?? (() => undefined));
  const control = new NoviceControl(
    session,
    { send: (p) => sent.push(String(p)), close() {}, consent() {}, buffered: 0, onDrain: () => ({ dispose() {} }) },
    {
      unavailable: options.unavailable ?? (() => undefined),
      sink: () => fake.sink,
      display: () => ':99',
      logger: quiet,
      maxEventsPerSecond: options.perSecond ?? 100_000,
      publish: () => undefined,
    },
  );
  const last = () => JSON.parse(sent[sent.length - 1]);
  return { control, sent, fake, last };
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
    const { control, fake, last } = novice({ onInject: () => injected++ });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    await tick();
    fake.escapes[0]();
    control.receive(input);
    await tick();
    assert.equal(injected, 0);
    assert.equal(last().view.phase, 'view-only');
    assert.equal(last().view.note, 'Nora pressed Esc: control ended');
    assert.equal(fake.released.count, 1);
    assert.equal(fake.escapes.length, 0, 'the Esc watch is closed');
  });

  it('ends control with the reason when the Esc watch reports another cause, such as a changed keyboard map', async () => {
    let injected = 0;
    const { control, fake, last } = novice({ onInject: () => injected++ });
    control.receive(JSON.stringify({ t: 'request' }));
    control.answer(true);
    await tick();
    fake.escapes[0]('the keyboard map changed (keycode 9) during control; it was put back');
    control.receive(input);
    await tick();
    assert.equal(injected, 0);
    assert.equal(last().view.phase, 'view-only');
    assert.equal(last().view.note, 'control stopped: the keyboard map changed (keycode 9) during control; it was put back');
    assert.equal(fake.released.count, 1);
    assert.equal(fake.escapes.length, 0, 'the Esc watch is closed');
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

  it('never injects outside a granted period: 10^4 random sequences of request, grant, deny, stop, disconnect and input', async () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % n;
    let violations = 0;
    let injections = 0;
    for (let run = 0; run < 10_000; run++) {
      let shared = false;
      let gone = false;
      const { control } = novice({ onInject: () => (shared && !gone ? injections++ : violations++) });
      for (let step = 0; step < 12; step++) {
        const kind = random(10);
        if (kind === 0) control.receive(JSON.stringify({ t: 'request' }));
        else if (kind === 1 && control.status.phase === 'requested' && !gone) shared = control.answer(true).phase === 'shared';
        else if (kind === 2) control.answer(false);
        else if (kind === 3 && !gone) {
          control.stop(random(2) ? 'novice-stop' : 'novice-esc');
          shared = false;
        } else if (kind === 4 && random(4) === 0) {
          control.dispose();
          gone = true;
          shared = false;
        } else control.receive(input);
        if (gone) shared = false;
        if (random(3) === 0) await tick();
      }
      await tick();
    }
    assert.equal(violations, 0);
    assert.ok(injections > 1000, `only ${injections} injections: the sequences barely granted control`);
  });
});
