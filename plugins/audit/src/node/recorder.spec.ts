import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import type { PluginHooks } from '@ra/kernel';
import { sessionHooks } from '@ra/plugin-session/api';
import { AuditLog } from './log/audit-log.js';
import { Recorder } from './recorder.js';

describe('audit: what the session flows write', () => {
  let folder: string;
  let log: AuditLog;
  let taps: Record<string, (arg: object) => void>;
  let now: number;
  let keepText: boolean;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-audit-rec-'));
    log = await AuditLog.open(join(folder, 'audit'));
    taps = {};
    now = 0;
    keepText = false;
    const hooks = stubHooks();
    const recording = {
      hook: (name: string) => ({ ...hooks.hook(name), tap: (fn: never) => ((taps[name] = fn), { dispose() {} }) }),
    } as unknown as PluginHooks;
    new Recorder(log, quietLogger, { keepText: () => keepText, limit: { max: 3, windowMs: 60_000 }, now: () => now }).listen(sessionHooks(recording));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  const written = async () => {
    await log.checkpoint();
    return log.records();
  };

  it('writes at most its allowance of lines a minute about strangers, and counts the rest on the next line', async () => {
    // A flood of wrong passwords from one stranger: 10 refusals within a minute.
    for (let i = 0; i < 10; i++) taps.helperRefused({ from: '198.51.100.7:4000', reason: 'wrong password', kind: 'solicited' });
    now = 60_000;
    taps.helperRefused({ from: '198.51.100.7:4000', reason: 'wrong password', kind: 'solicited' });
    const records = await written();
    assert.equal(records.length, 4, 'three in the first minute, one after');
    assert.deepEqual(records.at(-1)!.data, { reason: 'wrong password', linesLeftOutBefore: 7 });
  });

  it('writes a refused offer as offer.refused, and a certified helper with their organisation and serial', async () => {
    taps.helperRefused({ from: '192.0.2.9:5000', reason: "bob's certificate was revoked", kind: 'offer', helperName: 'bob' });
    const certified = { title: 'alice (helpdesk, Example Org)', org: 'Example Org', groups: ['helpdesk'], serial: '0a1b' };
    taps.sessionOpened({ id: 's1', invitationId: 'offer:0a1b', role: 'novice', peerName: certified.title, localName: 'nora', certified });
    const [refused, opened] = await written();
    assert.equal(refused.event, 'offer.refused');
    assert.deepEqual(opened.peer, { name: 'alice (helpdesk, Example Org)', role: 'helper', org: 'Example Org', serial: '0a1b' });
  });

  it('notes that a chat message was sent, its length and not its words; the words only when the policy asks', async () => {
    const session = { id: 's1', invitationId: 'i1', role: 'novice', peerName: 'Hank', localName: 'Nora' };
    taps.sessionNote({ session, channel: 'chat', event: 'sent', data: { text: 'my PIN is 4711' } });
    taps.sessionNote({ session, channel: 'chat', event: 'received', data: { text: 'thanks' } });
    keepText = true;
    taps.sessionNote({ session, channel: 'chat', event: 'received', data: { text: 'open Settings' } });
    const [sent, received, kept] = await written();
    assert.deepEqual([sent.event, sent.actor, sent.data], ['chat.sent', { role: 'novice' }, { chars: 14 }]);
    assert.deepEqual([received.event, received.actor, received.data], ['chat.received', { role: 'helper' }, { chars: 6 }]);
    assert.deepEqual(kept.data, { text: 'open Settings' });
    assert.ok(!JSON.stringify(await log.records()).includes('4711'));
  });
});
