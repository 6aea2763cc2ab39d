import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietLogger } from '@ra/kernel/testing';
import { RecordingLink } from '@ra/plugin-session/testing';
import { CheckpointExchange } from './exchange.js';
import { AuditLog } from './log/audit-log.js';

const NOVICE = { id: 's1', invitationId: 'i1', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };
const HELPER = { ...NOVICE, role: 'helper' as const, peerName: 'Nora', localName: 'Hank' };

describe('audit: the two sides exchange their signed checkpoints', () => {
  let folder: string;
  let noviceLog: AuditLog;
  let helperLog: AuditLog;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-audit-x-'));
    [noviceLog, helperLog] = await Promise.all([AuditLog.open(join(folder, 'n')), AuditLog.open(join(folder, 'h'))]);
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  async function pair() {
    const links = [new RecordingLink(), new RecordingLink()];
    const ends = [
      await new CheckpointExchange(Promise.resolve(noviceLog), quietLogger).open(NOVICE, links[0]),
      await new CheckpointExchange(Promise.resolve(helperLog), quietLogger).open(HELPER, links[1]),
    ];
    return { links, ends };
  }
  const kept = async (log: AuditLog) => {
    await log.checkpoint();
    return (await log.records()).filter((l) => l.event.startsWith('audit.peer'));
  };

  it("keeps the peer's checkpoint, checked, when the peer ends the session: it names the peer's log and its size", async () => {
    await helperLog.append({ event: 'session.opened', session: 's1' });
    const { links, ends } = await pair();
    ends[1].ending!();
    ends[0].receive(links[1].sent[0]!);
    const [line] = await kept(noviceLog);
    assert.equal(line.event, 'audit.peer_checkpoint');
    assert.deepEqual([line.data?.origin, line.data?.size, line.peer], [helperLog.origin, 1, { name: 'Hank', role: 'helper' }]);
  });

  it('refuses a checkpoint whose words were changed, or signed by another log’s key, saying why; nothing else happens', async () => {
    await helperLog.append({ event: 'session.opened', session: 's1' });
    const { links, ends } = await pair();
    ends[1].ending!();
    const frame = JSON.parse(String(links[1].sent[0])) as { note: string; key: string };
    ends[0].receive(JSON.stringify({ ...frame, note: frame.note.replace(/\n1\n/, '\n9\n') }));
    ends[0].ending!();
    ends[0].receive(JSON.stringify({ ...frame, key: (JSON.parse(String(links[0].sent[0])) as { key: string }).key }));
    ends[0].receive('not json');
    const reasons = (await kept(noviceLog)).map((l) => `${l.event}: ${String(l.data?.reason)}`);
    assert.deepEqual(reasons, [
      'audit.peer_checkpoint_refused: its signature does not match what it says',
      `audit.peer_checkpoint_refused: it carries no signature of ${helperLog.origin} by this machine's key`,
      `audit.peer_checkpoint_refused: Unexpected token 'o', "not json" is not valid JSON`,
    ]);
  });

  it('sends the checkpoint signed at a consent change to that session’s peer only, and keeps at most 32 a minute from a peer', async () => {
    const { links, ends } = await pair();
    const exchange = new CheckpointExchange(Promise.resolve(noviceLog), quietLogger);
    const link = new RecordingLink();
    await exchange.open(NOVICE, link);
    exchange.signed(noviceLog, 's1', await noviceLog.checkpoint());
    exchange.signed(noviceLog, 'other', await noviceLog.checkpoint());
    assert.equal(link.sent.length, 1);
    for (let i = 0; i < 40; i++) ends[1].receive(link.sent[0]!);
    assert.equal((await kept(helperLog)).length, 32);
    assert.equal(links[0].sent.length, 0);
  });
});
