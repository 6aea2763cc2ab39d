import assert from 'node:assert/strict';
import sinon from 'sinon';
import { quietLogger } from '@ra/kernel/testing';
import { RecordingInputSink } from '../testing/recording-input-sink.js';
import { EXTEND_ASK_MS, NoviceControl } from './novice-control.js';

const session = { id: 's1', invitationId: 't1', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };
const request = JSON.stringify({ t: 'request' });
const PAUSE_MS = 10_000;
const PERIOD_MS = 30 * 60_000;

describe('control: the guards against scammers, on a controllable clock', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date', 'setTimeout', 'clearTimeout'] })));
  afterEach(() => clock.restore());

  function novice(unavailable: () => string | undefined = () => undefined) {
    const sent: string[] = [];
    const consents: string[] = [];
    const control = new NoviceControl(
      session,
      {
        send: (p) => sent.push(String(p)),
        toPage() {},
        close() {},
        consent: (step) => consents.push(step),
        note() {},
        buffered: 0,
        onDrain: () => ({ dispose() {} }),
      },
      {
        unavailable,
        sink: () => new RecordingInputSink(),
        display: () => ':99',
        logger: quietLogger,
        maxEventsPerSecond: 1000,
        publish: () => undefined,
        limits: () => ({ pauseMs: PAUSE_MS, periodMs: PERIOD_MS }),
        now: () => Date.now(),
      },
    );
    const status = () => JSON.parse(sent.filter((m) => m.includes('"status"')).at(-1)!).view;
    return { control, status, consents };
  }

  it('keeps the Yes inactive for the 10 s pause, counting down, then lets it count', () => {
    const { control, status } = novice();
    control.receive(request);
    assert.equal(status().yesInMs, PAUSE_MS);
    clock.tick(9_000);
    const early = control.answer(true);
    assert.match(early.refused!, /wait 1 s more before saying yes/);
    assert.equal(control.phase, 'requested', 'an early Yes changes nothing');
    assert.equal(control.answer(false).phase, 'view-only', 'No is never held back');
    control.receive(request);
    clock.tick(PAUSE_MS);
    assert.equal(control.answer(true).phase, 'shared');
    assert.equal(status().endsInMs, PERIOD_MS);
  });

  it('asks a minute before the end, and ends control without an answer: the session stays View Only', () => {
    const { control, status, consents } = novice();
    control.receive(request);
    clock.tick(PAUSE_MS);
    control.answer(true);
    clock.tick(PERIOD_MS - EXTEND_ASK_MS - 1);
    assert.equal(status().extendAsked, undefined);
    clock.tick(1);
    assert.equal(status().extendAsked, true, 'asked a minute before');
    clock.tick(EXTEND_ASK_MS);
    assert.equal(control.phase, 'view-only');
    assert.equal(status().note, 'Nora did not extend control in time: control ended');
    assert.deepEqual(consents, ['requested', 'granted', 'revoked']);
  });

  it("extends by another period on the novice's Yes, and ends it then", () => {
    const { control, status } = novice();
    control.receive(request);
    clock.tick(PAUSE_MS);
    control.answer(true);
    clock.tick(PERIOD_MS - EXTEND_ASK_MS);
    assert.equal(control.extend().refused, undefined);
    assert.equal(status().extendAsked, undefined);
    assert.equal(status().endsInMs, PERIOD_MS + EXTEND_ASK_MS);
    clock.tick(PERIOD_MS);
    assert.equal(control.phase, 'shared', 'still shared after the first period');
    clock.tick(EXTEND_ASK_MS);
    assert.equal(control.phase, 'view-only');
  });

  it('ends control at once, saying why, when the novice switches it off: no restart, the session goes on', () => {
    let off: string | undefined;
    const { control, status } = novice(() => off);
    control.receive(request);
    clock.tick(PAUSE_MS);
    control.answer(true);
    off = 'Nora\'s computer does not allow remote control: the setting "Allow this computer to be controlled remotely" is off';
    control.recheck();
    assert.equal(control.phase, 'view-only');
    assert.match(status().note, /^Control ended: Nora's computer does not allow remote control/);
    assert.match(status().unavailable, /is off/);
    off = undefined;
    control.recheck();
    assert.equal(status().unavailable, undefined, 'switched on again: Take Control is available');
  });
});
