import assert from 'node:assert/strict';
import type { InputSink } from '../common/api.js';
import { quietLogger } from '@ra/kernel/testing';
import type { SolicitedPolicy } from '@ra/plugin-session/api';
import { ControlChannel } from './control-channel.js';
import { ControlHub } from './control-hub.js';

const SOLICITED: SolicitedPolicy = { allowed: true, allowControl: true, maxLifetime: '30d' };
const sink = { id: 'x11', title: 'X11' } as InputSink;
const novice = { id: 's1', invitationId: 't', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };

describe('control: who may share control', () => {
  function status(policy: SolicitedPolicy, allowControl: boolean, sinks: InputSink[] = [sink]) {
    const hub = new ControlHub();
    const channel = new ControlChannel({
      hub,
      logger: quietLogger,
      policy: () => policy,
      display: () => ':99',
      settings: () => ({ allowControl, maxEventsPerSecond: 100 }),
      sinks: () => sinks,
    });
    const sent: string[] = [];
    const end = channel.open(novice, { send: (p) => sent.push(String(p)), close() {}, consent() {}, buffered: 0, onDrain: () => ({ dispose() {} }) });
    end.dispose();
    return JSON.parse(sent[0]).view.unavailable as string | undefined;
  }

  it('offers control only when the policy, the setting and an input plugin all allow it', () => {
    assert.equal(status(SOLICITED, true), undefined);
    assert.equal(status({ ...SOLICITED, allowControl: false }, true), "the policy of Nora's computer does not allow remote control");
    assert.match(status(SOLICITED, false)!, /the setting "Allow this computer to be controlled remotely" is off/);
    assert.equal(status(SOLICITED, true, []), "Nora's computer has no input plugin enabled");
  });

  it('answers a helper asking anyway with the reason, and shares nothing', async () => {
    const hub = new ControlHub();
    const channel = new ControlChannel({
      hub,
      logger: quietLogger,
      policy: () => SOLICITED,
      display: () => ':99',
      settings: () => ({ allowControl: false, maxEventsPerSecond: 100 }),
      sinks: () => [sink],
    });
    const sent: string[] = [];
    const end = channel.open(novice, { send: (p) => sent.push(String(p)), close() {}, consent() {}, buffered: 0, onDrain: () => ({ dispose() {} }) });
    end.receive(JSON.stringify({ t: 'request' }));
    assert.deepEqual(JSON.parse(sent.at(-1)!).t, 'refused');
    assert.equal(hub.views()[0].phase, 'view-only');
    end.dispose();
  });
});
