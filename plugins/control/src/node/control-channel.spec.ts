import assert from 'node:assert/strict';
import { DEFAULT_POLICY, type InputSink, type Policy } from '@ra/kernel';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import { ControlChannel } from './control-channel.js';
import { ControlHub } from './control-hub.js';

const hooks = stubHooks();
const sink = { id: 'x11', title: 'X11' } as InputSink;
const novice = { id: 's1', ticketId: 't', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };

describe('control: who may share control', () => {
  const saved = process.env.DISPLAY;
  before(() => void (process.env.DISPLAY = ':99'));
  after(() => void (saved === undefined ? delete process.env.DISPLAY : (process.env.DISPLAY = saved)));

  function status(policy: Policy, allowControl: boolean, sinks: InputSink[] = [sink]) {
    const hub = new ControlHub();
    const channel = new ControlChannel({ hub, hooks, logger: quietLogger, policy: () => policy, settings: () => ({ allowControl, maxEventsPerSecond: 100 }), sinks: () => sinks });
    const sent: string[] = [];
    const end = channel.open(novice, { send: (p) => sent.push(String(p)), close() {} });
    end.dispose();
    return JSON.parse(sent[0]).view.unavailable as string | undefined;
  }

  it('offers control only when the policy, the setting and an input plugin all allow it', () => {
    assert.equal(status(DEFAULT_POLICY, true), undefined);
    assert.equal(status({ ...DEFAULT_POLICY, solicited: { ...DEFAULT_POLICY.solicited, allowControl: false } }, true), "the policy of Nora's computer does not allow remote control");
    assert.match(status(DEFAULT_POLICY, false)!, /the setting "Allow this computer to be controlled remotely" is off/);
    assert.equal(status(DEFAULT_POLICY, true, []), "Nora's computer has no input plugin enabled");
  });

  it('answers a helper asking anyway with the reason, and shares nothing', async () => {
    const hub = new ControlHub();
    const channel = new ControlChannel({ hub, hooks, logger: quietLogger, policy: () => DEFAULT_POLICY, settings: () => ({ allowControl: false, maxEventsPerSecond: 100 }), sinks: () => [sink] });
    const sent: string[] = [];
    const end = channel.open(novice, { send: (p) => sent.push(String(p)), close() {} });
    end.receive(JSON.stringify({ t: 'request' }));
    assert.deepEqual(JSON.parse(sent.at(-1)!).t, 'refused');
    assert.equal(hub.views()[0].phase, 'view-only');
    end.dispose();
  });
});
