import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { RaProcess } from './e2e/ra-process.js';
import { RA_BIN } from './fixtures.js';

const PASSWORD = 'quiet-lantern-5';

interface Line {
  seq: number;
  event: string;
  session?: string;
  actor?: { role: string; name?: string };
  peer?: Record<string, string>;
  data?: Record<string, unknown>;
}

/**
 * ra.audit between two real RAs: a whole session (invitation, request, Accept, Disconnect) lands in each side's log
 * as it happens, `ra audit verify` finds the log whole, and names the line a flipped byte hurt.
 */
describe('the session log (ra.audit) on both sides of a real session', function () {
  this.timeout(120_000);
  let folder: string;
  let novice: RaProcess;
  let helper: RaProcess;
  let session = '';
  const lines = async (ra: RaProcess) => (await ra.api<Line[]>('GET', '/api/audit')).body;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-audit-'));
    novice = await RaProcess.start('audit-novice', { port: 24641 });
    helper = await RaProcess.start('audit-helper', { port: 24642 });
    const target = join(folder, 'audit.msrcincident');
    const made = await novice.api('POST', '/api/invitations', { via: 'file', target, password: PASSWORD, name: 'Nora' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const invitation = await readFile(target, 'utf8');
    // A wrong password first: the helper is turned away.
    const wrong = await helper.api<{ id: string }>('POST', '/api/sessions/open', { invitation, password: 'not-the-password', helperName: 'Hank' });
    await until(async () => (await lines(novice)).some((l) => l.event === 'session.refused'), 20_000, 'the wrong password was not logged');
    const opened = await helper.api('POST', '/api/sessions/open', { invitation, password: PASSWORD, helperName: 'Hank' });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    ({ id: session } = await novice.answer());
    const helperSession = () => helper.api<{ id: string; state: string }[]>('GET', '/api/sessions').then((r) => r.body.find((s) => s.id !== wrong.body.id));
    await until(async () => (await helperSession())?.state === 'open', 20_000, 'the session never opened');
    // The novice's checkpoint at her consent reaches the helper's log while the session runs.
    await until(async () => (await lines(helper)).some((l) => l.event === 'audit.peer_checkpoint'), 10_000, "the novice's checkpoint never reached the helper");
    await helper.api('POST', `/api/sessions/${(await helperSession())!.id}/disconnect`);
    await until(async () => (await lines(novice)).some((l) => l.event === 'session.closed'), 20_000, 'no end in the log');
  });
  after(async () => {
    await helper?.stop();
    await novice?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const cli = (ra: RaProcess, ...args: string[]) => spawnSync(process.execPath, [RA_BIN, 'audit', ...args], { env: ra.env, encoding: 'utf8' });

  it("writes the novice's side: the invitation, the request, her consent, the session and who ended it", async () => {
    const log = await lines(novice);
    assert.deepEqual(
      log.map((l) => l.event),
      [
        'invitation.created',
        'invitation.sent',
        'session.connect_attempt',
        'session.refused',
        'session.connect_attempt',
        'connect.requested',
        'session.opened',
        'connect.granted',
        'audit.peer_checkpoint',
        'session.closed',
      ],
    );
    assert.match(String(log[3].data?.reason), /^wrong password; 4 tries left/);
    assert.equal(log[3].peer?.name, 'Hank');
    assert.match(log[3].peer?.address ?? '', /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(log[0].actor, { role: 'novice', name: 'Nora' });
    assert.equal(log[4].peer?.name, 'Hank');
    assert.deepEqual(log.at(-1)!.actor, { role: 'helper' });
    assert.ok(
      log.slice(5).every((l) => l.session === session),
      'each line of the session names it',
    );
    assert.ok(!JSON.stringify(log).includes(PASSWORD), 'the password is nowhere in the log');
  });

  it("writes the helper's side too", async () => {
    assert.deepEqual(
      (await lines(helper)).map((l) => l.event),
      ['session.opened', 'audit.peer_checkpoint', 'session.closed'],
    );
  });

  it("keeps each side's signed checkpoint in the other's log: the novice's at her consent, the helper's as he hung up", async () => {
    const origin = async (ra: RaProcess) => (await ra.api<{ origin: string }>('GET', '/api/audit/verify')).body.origin;
    const [atNovice, atHelper] = [
      (await lines(novice)).find((l) => l.event === 'audit.peer_checkpoint')!,
      (await lines(helper)).find((l) => l.event === 'audit.peer_checkpoint')!,
    ];
    assert.equal(atNovice.data?.origin, await origin(helper));
    assert.equal(atHelper.data?.origin, await origin(novice));
    assert.equal(atHelper.data?.size, 8, "the novice's checkpoint at connect.granted, her 8th line");
    assert.equal(atNovice.data?.size, 2, "the helper's log as he hung up: session.opened and the novice's checkpoint");
    assert.match(String(atNovice.data?.note), /^ra\.audit\/[0-9a-f]{16}\n2\n/);
  });

  it('writes an invitation sent again, ended early by the novice, and deleted', async () => {
    const [{ data }] = (await lines(novice)).filter((l) => l.event === 'invitation.created');
    const id = String(data?.invitation);
    const again = await novice.api('POST', `/api/invitations/${id}/resend`, { via: 'file', target: join(folder, 'again.msrcincident') });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await novice.api('POST', `/api/invitations/${id}/expire`)).status, 200);
    assert.equal((await novice.api('DELETE', `/api/invitations/${id}`)).status, 200);
    await until(async () => (await lines(novice)).some((l) => l.event === 'invitation.deleted'), 10_000, 'no deletion in the log');
    const tail = (await lines(novice)).slice(-3);
    assert.deepEqual(
      tail.map((l) => [l.event, l.actor?.role, l.data?.invitation]),
      [
        ['invitation.resent', 'novice', id],
        ['invitation.expired', 'novice', id],
        ['invitation.deleted', 'novice', id],
      ],
    );
  });

  it('verifies whole with ra audit verify, and shows the log with ra audit show --session', async () => {
    const verified = cli(novice, 'verify');
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /^The session log is whole: 13 lines, [2-9] signed checkpoints \(key [0-9a-f]{16}\)\.\n$/);
    const shown = cli(novice, 'show', '--session', session);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /connect\.granted +novice/);
    assert.doesNotMatch(shown.stdout, /invitation\.created/, 'only that session');
  });

  it('names the line a flipped byte hurt, and exits 1', async () => {
    const file = join(novice.home, 'audit', 'log.jsonl');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"connect.granted"', '"connect.grantee"'));
    const verified = cli(novice, 'verify');
    assert.equal(verified.status, 1);
    assert.equal(
      verified.stderr,
      'ra: the session log was tampered with or damaged: line 8: it was changed after it was written: the next line no longer follows it\n',
    );
  });
});
