import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, KEY_FILE, LOG_FILE } from './audit-log.js';

describe('audit: the log on disk', () => {
  let folder: string;
  beforeEach(async () => (folder = join(await mkdtemp(join(tmpdir(), 'ra-audit-')), 'audit')));
  afterEach(() => rm(join(folder, '..'), { recursive: true, force: true }));

  it('chains each event to the one before, signs checkpoints, and goes on where it stopped after a restart', async () => {
    const log = await AuditLog.open(folder);
    await log.append({ event: 'session.opened', session: 's1', actor: { role: 'novice', name: 'Nora' }, peer: { name: 'Hank' } });
    await log.append({ event: 'control.granted', session: 's1', actor: { role: 'novice' } });
    await log.checkpoint();
    const again = await AuditLog.open(folder);
    assert.equal(again.fingerprint, log.fingerprint, 'the same key');
    await again.append({ event: 'session.closed', session: 's1', data: { by: 'helper' } });
    await again.checkpoint();
    assert.deepEqual(await again.verify(), { ok: true, lines: 3, checkpoints: 2 });
    assert.deepEqual(
      (await again.records()).map((r) => [r.seq, r.event]),
      [
        [0, 'session.opened'],
        [1, 'control.granted'],
        [2, 'session.closed'],
      ],
    );
    assert.equal((await stat(folder)).mode & 0o777, 0o700);
    assert.equal((await stat(join(folder, KEY_FILE))).mode & 0o777, 0o600);
    assert.match(again.origin, /^ra\.audit\/[0-9a-f]{16}$/);
  });

  it('cuts off a last line the disk cut short, and says so in the next', async () => {
    const log = await AuditLog.open(folder);
    await log.append({ event: 'session.opened' });
    await appendFile(join(folder, LOG_FILE), '{"v":1,"seq":1,"ts":"2026-');
    const again = await AuditLog.open(folder);
    const records = await again.records();
    assert.deepEqual(
      records.map((r) => [r.event, r.data]),
      [
        ['session.opened', undefined],
        ['audit.recovered', { cutBytes: 26 }],
      ],
    );
    await again.checkpoint();
    assert.deepEqual(await again.verify(), { ok: true, lines: 2, checkpoints: 1 });
  });

  it('keeps what the disk refuses and writes it, in order, once the disk takes it again', async () => {
    const log = await AuditLog.open(folder);
    await log.append({ event: 'one' });
    // The disk refuses: the log's path is taken by a folder, as a full or read-only disk would refuse the write.
    const file = join(folder, LOG_FILE);
    const kept = await readFile(file);
    await rm(file);
    await mkdir(file);
    await assert.rejects(log.append({ event: 'two' }), /the audit log could not be written \(EISDIR.*\); 1 events wait for the disk/);
    await rm(file, { recursive: true });
    await appendFile(file, kept);
    await log.append({ event: 'three' });
    await log.checkpoint();
    assert.deepEqual(
      (await log.records()).map((r) => r.event),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(await log.verify(), { ok: true, lines: 3, checkpoints: 1 });
  });
});
