import assert from 'node:assert/strict';
import type { InputSink } from '../common/api.js';
import type { Logger } from '@ra/kernel';
import { quietLogger } from '@ra/kernel/testing';
import { RecordingLink } from '@ra/plugin-session/testing';
import type { SessionInfo, SolicitedPolicy } from '@ra/plugin-session/api';
import { ControlChannel } from './control-channel.js';
import { ControlHub } from './control-hub.js';
import { RecordingInputSink } from '../testing/recording-input-sink.js';

const SOLICITED: SolicitedPolicy = { allowed: true, allowControl: true, maxLifetime: '30d' };
const sink = { id: 'x11', title: 'X11' } as InputSink;
const novice = { id: 's1', invitationId: 't', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };

/** A control channel on `hub` whose deps are those of a computer that allows control, but for what `o` says. */
function controlChannel(
  hub: ControlHub,
  o: { logger?: Logger; policy?: SolicitedPolicy; allowControl?: boolean; sinks?: InputSink[]; pauseMs?: number } = {},
): ControlChannel {
  return new ControlChannel({
    hub,
    logger: o.logger ?? quietLogger,
    policy: () => o.policy ?? SOLICITED,
    display: () => ':99',
    settings: () => ({ allowControl: o.allowControl ?? true, maxEventsPerSecond: 100 }),
    sinks: () => o.sinks ?? [sink],
    limits: () => ({ pauseMs: o.pauseMs ?? 0, periodMs: 0 }),
  });
}

describe('control: who may share control', () => {
  function status(policy: SolicitedPolicy, allowControl: boolean, sinks: InputSink[] = [sink], session: SessionInfo = novice) {
    const hub = new ControlHub();
    const channel = controlChannel(hub, { policy, allowControl, sinks });
    const link = new RecordingLink();
    const sent = link.sent as string[];
    const end = channel.open(session, link);
    end.dispose();
    return JSON.parse(sent[0]).view.unavailable as string | undefined;
  }

  const certified = { title: 'alice (helpdesk, Example Org)', org: 'Example Org', groups: ['helpdesk'], serial: '0a' };

  it("in an offer's session, the offers policy decides, not the invitations' one", () => {
    const offered = { ...novice, certified };
    assert.equal(status({ ...SOLICITED, allowControl: false }, true, [sink], offered), undefined);
    const watchOnly = { ...novice, certified: { ...certified, controlForbidden: 'helpers who offer help may only watch this computer' } };
    assert.equal(
      status(SOLICITED, true, [sink], watchOnly),
      "Nora's computer does not allow remote control: helpers who offer help may only watch this computer",
    );
    assert.match(status(SOLICITED, false, [sink], offered)!, /the setting "Allow this computer to be controlled remotely" is off/);
  });

  it('offers control only when the policy, the setting and an input plugin all allow it', () => {
    assert.equal(status(SOLICITED, true), undefined);
    assert.equal(status({ ...SOLICITED, allowControl: false }, true), "the policy of Nora's computer does not allow remote control");
    assert.match(status(SOLICITED, false)!, /the setting "Allow this computer to be controlled remotely" is off/);
    assert.equal(status(SOLICITED, true, []), "Nora's computer has no input plugin enabled");
  });

  it('drops the pause before control for a helper the organisation certified, and keeps it for anyone else', async () => {
    const yes = async (session: SessionInfo) => {
      const hub = new ControlHub();
      const channel = controlChannel(hub, { sinks: [new RecordingInputSink()], pauseMs: 60_000 });
      const end = channel.open(session, new RecordingLink());
      end.receive(JSON.stringify({ t: 'request' }));
      const answer = hub.routes.find((r) => r.id === 'control-answer')!;
      try {
        return ((await answer.handle({ params: { sessionId: session.id }, body: { grant: true } } as never)) as { phase: string }).phase;
      } catch (e) {
        return (e as Error).message;
      } finally {
        end.dispose();
      }
    };
    assert.equal(await yes({ ...novice, certified }), 'shared');
    assert.match(await yes(novice), /wait 60 s more before saying yes/, 'a Yes within the pause does not count yet');
  });

  it('answers a helper asking anyway with the reason, and shares nothing', async () => {
    const hub = new ControlHub();
    const channel = controlChannel(hub, { allowControl: false });
    const link = new RecordingLink();
    const sent = link.sent as string[];
    const end = channel.open(novice, link);
    end.receive(JSON.stringify({ t: 'request' }));
    assert.deepEqual(JSON.parse(sent.at(-1)!).t, 'refused');
    assert.equal(hub.views()[0].phase, 'view-only');
    end.dispose();
  });

  it("gives control to one helper at a time: no other helper's Yes waits on the desktop the one in control can click", async () => {
    const hub = new ControlHub();
    const recording = new RecordingInputSink();
    const channel = controlChannel(hub, { sinks: [recording] });
    const sent = new Map<string, string[]>();
    const open = (id: string, peerName: string) => {
      sent.set(id, []);
      const link = {
        send: (p: unknown) => sent.get(id)!.push(String(p)),
        toPage() {},
        close() {},
        consent() {},
        note() {},
        buffered: 0,
        onDrain: () => ({ dispose() {} }),
      };
      return channel.open({ ...novice, id, peerName }, link);
    };
    const route = (id: string) => hub.routes.find((r) => r.id === id)!;
    const answer = (sessionId: string) => route('control-answer').handle({ params: { sessionId }, body: { grant: true } } as never);
    const last = (id: string) => JSON.parse(sent.get(id)!.at(-1)!);
    const [hank, mallory] = [open('s1', 'Hank'), open('s2', 'Mallory')];
    hank.receive('{"t":"request"}');
    mallory.receive('{"t":"request"}');
    answer('s1');
    assert.deepEqual(
      [last('s2').view.phase, last('s2').view.note],
      ['view-only', "another helper was given control of Nora's computer; ask again when it ends"],
    );
    assert.throws(() => answer('s2'), /there is no control request to accept/);
    mallory.receive('{"t":"request"}');
    assert.deepEqual(last('s2'), { t: 'refused', message: "another helper has control of Nora's computer now" });
    assert.equal(hub.views().find((v) => v.sessionId === 's2')!.unavailable, "another helper has control of Nora's computer now");

    route('control-stop').handle({ params: { sessionId: 's1' } } as never);
    mallory.receive('{"t":"request"}');
    answer('s2');
    assert.deepEqual(
      hub.views().map((v) => v.phase),
      ['view-only', 'shared'],
    );
    hank.dispose();
    mallory.dispose();
  });

  it("logs a flood of malformed messages from the novice once a second, not once each, and keeps the novice's status", () => {
    const warnings: string[] = [];
    const hub = new ControlHub();
    const channel = controlChannel(hub, { logger: { ...quietLogger, warn: (m: string) => void warnings.push(m) } });
    const link = { send() {}, toPage() {}, close() {}, consent() {}, note() {}, buffered: 0, onDrain: () => ({ dispose() {} }) };
    const end = channel.open({ ...novice, role: 'helper' }, link);
    end.receive(JSON.stringify({ t: 'status', view: { phase: 'shared', dropped: 0 } }));
    for (let i = 0; i < 5000; i++) end.receive(i % 2 ? 'not json' : '{"t":"status"}');
    assert.deepEqual(warnings, ['dropped 1 control message from the novice that did not parse']);
    assert.equal(hub.views()[0].phase, 'shared');
    end.dispose();
  });

  it('ends shared control and a pending request when the path drops, on both sides, with the reason each person reads', async () => {
    const hub = new ControlHub();
    const recording = new RecordingInputSink();
    const channel = controlChannel(hub, { sinks: [recording] });
    const consents: [string, string | undefined][] = [];
    const link = {
      send() {},
      toPage() {},
      close() {},
      consent: (step: string, why?: string) => void consents.push([step, why]),
      note() {},
      buffered: 0,
      onDrain: () => ({ dispose() {} }),
    };
    const nora = channel.open(novice, link);
    const hank = channel.open({ ...novice, id: 'h1', role: 'helper', peerName: 'Nora', localName: 'Hank' }, link);
    const answer = () => hub.routes.find((r) => r.id === 'control-answer')!.handle({ params: { sessionId: 's1' }, body: { grant: true } } as never);
    const view = (id: string) => hub.views().find((v) => v.sessionId === id)!;

    nora.receive('{"t":"request"}');
    answer();
    hank.receive(JSON.stringify({ t: 'status', view: { phase: 'shared', dropped: 0 } }));
    nora.pathLost!('the connection was reset');
    hank.pathLost!('the connection was reset');
    assert.deepEqual(consents.at(-1), ['revoked', 'Control ended: the connection was lost (the connection was reset)']);
    assert.deepEqual([view('s1').phase, view('s1').note], ['view-only', 'Control ended: the connection was lost (the connection was reset)']);
    assert.deepEqual([view('h1').phase, view('h1').note], ['view-only', 'Control ended: the connection was lost (the connection was reset)']);
    nora.receive(JSON.stringify({ t: 'pointer', event: { kind: 'move', x: 1, y: 1 } }));
    await new Promise((r) => setImmediate(r));
    assert.equal(view('s1').dropped, 1, 'input in flight from before the drop lands nowhere');

    // A request still waiting for the novice's Yes ends too: her Yes must not reach a helper who is not there.
    nora.receive('{"t":"request"}');
    nora.pathLost!("nothing came from the helper's computer for 15 s");
    assert.deepEqual(consents.at(-1), ['revoked', "the request ended: the connection was lost (nothing came from the helper's computer for 15 s)"]);
    assert.throws(() => answer(), /there is no control request to accept/);
    nora.dispose();
    hank.dispose();
  });
});
