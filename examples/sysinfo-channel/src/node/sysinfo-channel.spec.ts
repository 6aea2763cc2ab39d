import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ApiRoute } from '@ra/kernel';
import { bootPlugin } from '@ra/kernel/testing';
import { SessionChannel } from '@ra/plugin-session/api';
import { describeSessionChannelContract, RecordingLink, sampleSession } from '@ra/plugin-session/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** The plugin as RA loads it, beside ra.session, which owns SessionChannel. */
async function boot() {
  const booted = await bootPlugin(PLUGIN_DIR, { origin: 'external', alongside: ['@ra/plugin-session'] });
  const channel = booted.kernel.contributions(SessionChannel).find((c) => c.id === 'sysinfo');
  const answer = booted.kernel.contributions(ApiRoute).find((r) => r.id === 'sysinfo-answer');
  assert.ok(channel && answer, `example.sysinfo is ${JSON.stringify(booted.kernel.records())}`);
  const say = (sessionId: string, yes: unknown) => answer.handle({ params: { sessionId }, query: new URLSearchParams(), body: { yes } });
  return { channel, say, dispose: booted.dispose };
}

describeSessionChannelContract('example.sysinfo', async () => {
  const { channel, dispose } = await boot();
  return { channel, dispose };
});

describe('example.sysinfo', () => {
  let booted: Awaited<ReturnType<typeof boot>>;
  beforeEach(async () => void (booted = await boot()));
  afterEach(() => booted.dispose());

  it('asks the novice in its own consent scope, and shares nothing before a yes', async () => {
    assert.equal(booted.channel.consentScope, 'sysinfo');
    const link = new RecordingLink();
    const end = await booted.channel.open(sampleSession({ id: 's1', role: 'novice' }), link);
    end.receive(JSON.stringify({ t: 'ask' }));
    end.receive(JSON.stringify({ t: 'ask' }));
    assert.deepEqual(link.consents, [{ step: 'requested' }]);
    assert.deepEqual(link.sent, []);
    assert.deepEqual(await booted.say('s1', true), { answered: 'yes' });
    assert.deepEqual(link.consents, [{ step: 'requested' }, { step: 'granted' }]);
    const info = JSON.parse(String(link.sent[0])) as { t: string; info: { processors: number } };
    assert.equal(info.t, 'info');
    assert.ok(info.info.processors >= 1);
  });

  it('tells the helper no, and refuses an answer nobody asked for', async () => {
    const link = new RecordingLink();
    const end = await booted.channel.open(sampleSession({ id: 's2', role: 'novice', localName: 'Nora' }), link);
    assert.throws(() => booted.say('s2', true), /has not asked for this computer's system information/);
    end.receive(JSON.stringify({ t: 'ask' }));
    assert.throws(() => booted.say('s2', 'maybe'), /answer with \{"yes": true\}/);
    await booted.say('s2', false);
    assert.deepEqual(JSON.parse(String(link.sent[0])), { t: 'declined', reason: 'Nora said no' });
    assert.deepEqual(link.consents.at(-1), { step: 'revoked', reason: 'Nora said no' });
    assert.throws(() => booted.say('nobody', true), /no session 'nobody'/);
  });
});
