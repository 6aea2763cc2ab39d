import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvitationRecord, InvitationStatus } from '../../common/api.js';
import { passwordScalar } from '../pake/password.js';
import { readInvitation } from './format.js';
import { readInvitationLink } from './link.js';
import { NoviceIdentity } from './identity.js';
import { MAX_PASSWORD_ATTEMPTS } from '../../common/api.js';
import { ENDED_KEPT_MS, InvitationStore, InvitationStoreError, type InvitationSecrets } from './store.js';

const HOUR = 3600_000;

const record = (over: Partial<InvitationRecord> = {}): InvitationRecord => ({
  invitationId: randomBytes(16).toString('base64url'),
  noviceName: 'Jeff',
  message: 'help',
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + HOUR),
  passwordRequired: true,
  status: 'open',
  failedAttempts: 0,
  ...over,
});
const secrets = (): InvitationSecrets => ({ invitationSecret: new Uint8Array(randomBytes(32)), w: 12345n });

describe('InvitationStore', () => {
  let home: string;
  let store: InvitationStore;
  let identity: NoviceIdentity;
  const file = () => join(home, 'invitations.json');
  const refused = (p: Promise<unknown>, message: RegExp) =>
    assert.rejects(p, (e: Error) => {
      assert.ok(e instanceof InvitationStoreError, e.message);
      assert.match(e.message, message);
      return true;
    });

  before(async () => {
    const keys = await mkdtemp(join(tmpdir(), 'ra-store-key-'));
    identity = await NoviceIdentity.open(keys);
  });
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-store-'));
    store = await InvitationStore.open(home);
  });
  afterEach(() => rm(home, { recursive: true }));

  describe('minting', () => {
    const request = { noviceName: 'Jeff', message: 'my printer', expiresAt: new Date(Date.now() + HOUR), addresses: ['10.0.0.2'] };

    it('stores an open record and its secrets, and returns the signed file and its link', async () => {
      const { record: made, file: xml, link } = await store.mint({ ...request, password: 'hunter2' }, identity);
      const invitation = readInvitation(xml);
      assert.deepEqual(readInvitationLink(link), { ...invitation, message: '' });
      assert.equal(invitation.invitationId, made.invitationId);
      assert.match(made.invitationId, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(invitation.keyFingerprint, identity.fingerprint);
      assert.deepEqual(invitation.addresses, ['10.0.0.2:3389']);
      assert.deepEqual({ ...made, status: made.status }, { ...(await store.get(made.invitationId))! });
      assert.equal(made.passwordRequired, true);
      const kept = (await store.secrets(made.invitationId))!;
      assert.deepEqual(kept.invitationSecret, invitation.invitationSecret);
      assert.equal(kept.w, await passwordScalar(invitation.invitationSecret, 'hunter2'));
      assert.equal(await store.scalar(made.invitationId), kept.w);
    });

    it('without a password, w comes from the invitation secret alone', async () => {
      const { record: made, file: xml } = await store.mint({ ...request, password: '' }, identity);
      assert.equal(made.passwordRequired, false);
      assert.equal(await store.scalar(made.invitationId), await passwordScalar(readInvitation(xml).invitationSecret, ''));
    });

    it('never writes the password, to the invitation or to the store', async () => {
      const password = 'Correct-Horse-Battery';
      const { file: xml, link } = await store.mint({ ...request, password }, identity);
      assert.ok(!xml.includes(password) && !link.includes(password));
      assert.ok(!(await readFile(file(), 'utf8')).includes(password));
    });

    it('stores nothing when the invitation cannot be written', async () => {
      await assert.rejects(store.mint({ ...request, addresses: [], password: '' }, identity), /1 to 16 addresses/);
      assert.deepEqual(await store.list(), []);
    });
  });

  it('persists records and secrets across instances, in a 0600 file', async () => {
    const a = record();
    const s = secrets();
    await store.put(a, s);
    await store.put(record({ passwordRequired: false }));
    assert.equal((await stat(file())).mode & 0o777, 0o600);
    const reopened = await InvitationStore.open(home);
    assert.deepEqual(await reopened.get(a.invitationId), a);
    assert.deepEqual(await reopened.secrets(a.invitationId), s);
    assert.equal((await reopened.list()).length, 2);
  });

  it('returns frozen copies without secrets', async () => {
    const a = record();
    await store.put(a, secrets());
    const got = (await store.get(a.invitationId))!;
    assert.ok(Object.isFrozen(got));
    assert.throws(() => ((got as { status: string }).status = 'open'), TypeError);
    got.expiresAt.setTime(Date.now() + 100 * HOUR);
    assert.deepEqual((await store.get(a.invitationId))!.expiresAt, a.expiresAt);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(a).sort());
    (await store.secrets(a.invitationId))!.invitationSecret.fill(0);
    assert.notDeepEqual((await store.secrets(a.invitationId))!.invitationSecret, new Uint8Array(32));
  });

  it('refuses a reused invitation id and invalid records', async () => {
    const a = record();
    await store.put(a);
    await refused(store.put({ ...a, noviceName: 'Mallory' }), /already exists/);
    await refused(store.put(record({ status: 'ajar' as InvitationStatus })), /unknown status ajar/);
    await refused(store.put(record({ expiresAt: new Date(NaN) })), /bad dates/);
    await refused(store.put(record(), { invitationSecret: new Uint8Array(8), w: 1n }), /not 32 bytes/);
  });

  it('reads an open invitation past its expiry as expired, with no secrets', async () => {
    const past = record({ createdAt: new Date(Date.now() - 2 * HOUR), expiresAt: new Date(Date.now() - HOUR) });
    await store.put(past, secrets());
    assert.equal((await store.get(past.invitationId))!.status, 'expired');
    assert.equal(await store.secrets(past.invitationId), undefined);
    await refused(store.scalar(past.invitationId), /is not open/);
    await refused(store.setStatus(past.invitationId, 'open'), /is expired; it cannot become open/);
    assert.ok(!(await readFile(file(), 'utf8')).includes('invitationSecret'), 'expired secrets are dropped from the file');
  });

  it('records when an invitation really ended: now when ended early, its expiry when it ran out', async () => {
    const early = record({ expiresAt: new Date(Date.now() + 5 * HOUR) });
    await store.put(early, secrets());
    await store.setStatus(early.invitationId, 'expired');
    const ended = (await store.get(early.invitationId))!;
    assert.ok(Math.abs(ended.endedAt!.getTime() - Date.now()) < 5000, 'ended now, not at its original expiry');
    const ranOut = record({ createdAt: new Date(Date.now() - 3 * HOUR), expiresAt: new Date(Date.now() - 2 * HOUR) });
    await store.put(ranOut);
    assert.equal((await store.get(ranOut.invitationId))!.endedAt?.getTime(), ranOut.expiresAt.getTime());
    await store.setStatus(ranOut.invitationId, 'deleted');
    assert.equal((await store.get(ranOut.invitationId))!.endedAt?.getTime(), ranOut.expiresAt.getTime(), 'deleting it later does not move when it ended');
    assert.equal((await (await InvitationStore.open(home)).get(early.invitationId))!.endedAt?.getTime(), ended.endedAt!.getTime(), 'kept in the file');
  });

  it('prunes invitations that ended more than a week ago on its next write, so the file stays bounded', async () => {
    const old = record({ createdAt: new Date(Date.now() - ENDED_KEPT_MS - 3 * HOUR), expiresAt: new Date(Date.now() - ENDED_KEPT_MS - HOUR) });
    const recent = record({ createdAt: new Date(Date.now() - 3 * HOUR), expiresAt: new Date(Date.now() - HOUR) });
    await store.put(old);
    await store.put(recent);
    assert.deepEqual(
      (await store.list()).map((r) => r.invitationId),
      [recent.invitationId],
    );
    assert.ok(!(await readFile(file(), 'utf8')).includes(old.invitationId), 'gone from the file too');
  });

  describe('status', () => {
    const transition = async (from: InvitationStatus[], to: InvitationStatus) => {
      const a = record();
      await store.put(a, secrets());
      for (const step of from) await store.setStatus(a.invitationId, step);
      return { id: a.invitationId, change: store.setStatus(a.invitationId, to) };
    };

    it('open can become expired, deleted or locked, and drops its secrets', async () => {
      for (const to of ['expired', 'deleted', 'locked'] as const) {
        const { id, change } = await transition([], to);
        await change;
        assert.equal((await store.get(id))!.status, to);
        assert.equal(await store.secrets(id), undefined);
      }
      assert.ok(!(await readFile(file(), 'utf8')).includes('"w"'));
    });

    it('nothing becomes open again, and deleted stays deleted', async () => {
      for (const [from, to] of [
        [['expired'], 'open'],
        [['locked'], 'open'],
        [['deleted'], 'open'],
        [['deleted'], 'expired'],
        [['deleted'], 'locked'],
        [['expired', 'deleted'], 'open'],
      ] as [InvitationStatus[], InvitationStatus][]) {
        const { id, change } = await transition(from, to);
        await refused(change, /cannot become/);
        assert.equal((await store.get(id))!.status, from.at(-1));
      }
    });

    it('terminal states can still be deleted; repeating a status changes nothing', async () => {
      for (const from of ['expired', 'locked', 'deleted'] as const) {
        const { id, change } = await transition([from], 'deleted');
        await change;
        assert.equal((await store.get(id))!.status, 'deleted');
      }
      const { change } = await transition([], 'open');
      await change;
    });

    it('refuses unknown invitations and statuses', async () => {
      await refused(store.setStatus('nope', 'deleted'), /there is no invitation nope/);
      await refused(store.recordFailedAttempt('nope'), /there is no invitation nope/);
      const { change } = await transition([], 'ajar' as InvitationStatus);
      await refused(change, /'ajar' is not an invitation status/);
    });
  });

  it(`locks after ${MAX_PASSWORD_ATTEMPTS} wrong passwords, and counts no more`, async () => {
    const a = record();
    await store.put(a, secrets());
    for (let n = 1; n < MAX_PASSWORD_ATTEMPTS; n++) {
      const { lastFailedAt, ...counted } = await store.recordFailedAttempt(a.invitationId);
      assert.deepEqual(counted, { ...a, failedAttempts: n });
      assert.ok(Date.now() - lastFailedAt!.getTime() < 5000, 'when the wrong password came, for the notice on the page');
    }
    const locked = await store.recordFailedAttempt(a.invitationId);
    assert.equal(locked.status, 'locked');
    assert.equal(locked.endedAt?.getTime(), locked.lastFailedAt?.getTime(), 'it ended at the fifth wrong password');
    assert.equal(locked.failedAttempts, MAX_PASSWORD_ATTEMPTS);
    assert.equal((await store.recordFailedAttempt(a.invitationId)).failedAttempts, MAX_PASSWORD_ATTEMPTS);
    assert.equal(await store.secrets(a.invitationId), undefined);
    await refused(store.setStatus(a.invitationId, 'open'), /is locked/);
    assert.equal((await (await InvitationStore.open(home)).get(a.invitationId))!.status, 'locked');
  });

  it('serialises concurrent writes: nothing is lost, the lock holds at exactly 5', async () => {
    const target = record();
    await store.put(target, secrets());
    const others = Array.from({ length: 30 }, () => record());
    const results = await Promise.all([
      ...others.map((r) => store.put(r, secrets())),
      ...Array.from({ length: 12 }, () => store.recordFailedAttempt(target.invitationId)),
    ]);
    const attempts = (results.filter(Boolean) as InvitationRecord[]).map((r) => r.failedAttempts).sort((x, y) => x - y);
    assert.deepEqual(attempts, [1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5]);
    const reopened = await InvitationStore.open(home);
    assert.equal((await reopened.list()).length, 31);
    assert.equal((await reopened.get(target.invitationId))!.status, 'locked');
  });

  it('reads a version 1 file, which named the invitation a ticket, and writes version 2', async () => {
    const { invitationId, ...rest } = record();
    const old = { ...rest, ticketId: invitationId, createdAt: rest.createdAt.toISOString(), expiresAt: rest.expiresAt.toISOString() };
    await writeFile(file(), JSON.stringify({ version: 1, tickets: [old] }));
    const upgraded = await InvitationStore.open(home);
    assert.equal((await upgraded.get(invitationId))?.noviceName, rest.noviceName);
    await upgraded.setStatus(invitationId, 'deleted');
    const written = JSON.parse(await readFile(file(), 'utf8')) as { version: number; invitations: { invitationId: string }[] };
    assert.deepEqual([written.version, written.invitations[0].invitationId], [2, invitationId]);
  });

  it('leaves a damaged file untouched, refuses to work until it is fixed, then works', async () => {
    await store.put(record());
    const damaged = '{"version":2,"invitations":[{"invitationId":"x"'; // cut short
    await writeFile(file(), damaged);
    const fresh = await InvitationStore.open(home);
    const named = new RegExp(`${file().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged .*not valid JSON.*saves no invitation`);
    await refused(fresh.list(), named);
    await refused(fresh.put(record()), named);
    await refused(fresh.setStatus('x', 'deleted'), named);
    assert.equal(await readFile(file(), 'utf8'), damaged);
    await writeFile(file(), '{"version":2,"invitations":[]}');
    await fresh.put(record());
    assert.equal((await fresh.list()).length, 1);
  });

  it('keeps how far the delivery got, on disk, step by step; an invitation that is gone is left alone', async () => {
    const r = record();
    await store.put(r, secrets());
    const at = new Date('2030-01-02T03:04:05Z');
    const seen: (string | undefined)[] = [];
    for (const state of ['sent', 'delivered', 'accepted'] as const) {
      const updated = await store.updateDelivery(r.invitationId, (current) => {
        seen.push(current?.state);
        return { transport: 'messenger', target: 'hank', state, ...(state === 'accepted' && { detail: 'by Hank Helper' }), at };
      });
      assert.equal(updated?.delivery?.state, state);
    }
    assert.deepEqual(seen, [undefined, 'sent', 'delivered']);
    assert.equal(await store.updateDelivery(r.invitationId, () => undefined).then((u) => u?.delivery?.state), 'accepted', 'undefined leaves it');
    const reread = (await (await InvitationStore.open(home)).get(r.invitationId))!;
    assert.deepEqual(reread.delivery, { transport: 'messenger', target: 'hank', state: 'accepted', detail: 'by Hank Helper', at });
    assert.equal(await store.updateDelivery('gone', () => ({ transport: 'x', target: '', state: 'sent', at })), undefined);
    await refused(
      store.updateDelivery(r.invitationId, () => ({ transport: 'x', target: '', state: 'read' as 'sent', at })),
      /unknown delivery state read/,
    );
  });

  it('refuses a well-formed file with bad contents, naming the invitation', async () => {
    await writeFile(
      file(),
      JSON.stringify({ version: 2, invitations: [{ ...record(), delivery: { transport: 'x', target: 'y', state: 'sent', at: 'soon' } }] }),
    );
    await refused((await InvitationStore.open(home)).list(), /is damaged \(invitation 1: bad delivery date\)/);
    await writeFile(file(), JSON.stringify({ version: 2, invitations: [{ ...record(), status: 'ajar' }] }));
    await refused((await InvitationStore.open(home)).list(), /is damaged \(invitation 1: unknown status ajar\)/);
    await writeFile(file(), JSON.stringify({ version: 3, invitations: [] }));
    await refused((await InvitationStore.open(home)).list(), /not a version 2 invitation list/);
    const twice = record();
    await writeFile(file(), JSON.stringify({ version: 2, invitations: [twice, twice] }));
    await refused((await InvitationStore.open(home)).list(), /appears twice/);
  });
});
