import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { DAY_MINUTES } from '@ra/kernel';
import { type InvitationTransport } from '../common/api.js';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import { INVITATION_FILE_NAME, sessionHooks, type SolicitedPolicy } from '../common/api.js';
import { readInvitation } from './invitation/format.js';
import { NoviceIdentity } from './invitation/identity.js';
import { InvitationStore } from './invitation/store.js';
import { ENDED_LISTED_MS, Invitations, inviteLimits, lifetime } from './invitations.js';

/** The `solicited` section's defaults, as ra.session's manifest declares them. */
const SOLICITED: SolicitedPolicy = { allowed: true, allowControl: true, maxLifetime: '30d' };

describe('invitations: lifetime, policy and delivery', () => {
  let home: string;
  let store: InvitationStore;
  let identity: NoviceIdentity;
  let policy: SolicitedPolicy;
  let settings: Record<string, unknown>;
  let veto: string | undefined;
  let transport: InvitationTransport & { deliver: sinon.SinonStub };
  let invitations: Invitations;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-invitations-'));
    identity = await NoviceIdentity.open(home);
  });
  after(() => rm(home, { recursive: true, force: true }));
  beforeEach(async () => {
    store = await InvitationStore.open(await mkdtemp(join(home, 'store-')));
    policy = SOLICITED;
    settings = {};
    veto = undefined;
    transport = {
      id: 'file',
      title: 'Invitation file',
      target: { label: 'Save to' },
      deliver: sinon.stub().callsFake(async (_e, target: string) => ({ transport: 'file', target, deliveredAt: new Date() })),
    };
    const hooks = sessionHooks(stubHooks({ invitationBeforeSend: async (o: object) => ({ ...o, veto }) }));
    invitations = new Invitations({
      store,
      hooks,
      // A spec that sets `policy` stands for a signed policy file naming its values.
      limits: () => inviteLimits(policy, settings, policy !== SOLICITED),
      transports: () => [transport],
      defaultName: () => 'nora',
      logger: quietLogger,
      changed: () => undefined,
      mint: { mint: (fields) => store.mint({ ...fields, addresses: ['127.0.0.1:3389'] }, identity) },
    });
  });

  it('reads lifetimes in minutes, hours and days, within the cap', () => {
    assert.equal(lifetime('30m', 60), 30);
    assert.equal(lifetime('1h', 60), 60);
    assert.equal(lifetime('2d', 30 * DAY_MINUTES), 2 * DAY_MINUTES);
    assert.throws(() => lifetime('2h', 60), /at most 1 hour on this computer \(set by your organization\); '2h' is longer/);
    assert.throws(() => lifetime('2h', 60, 'setting'), /at most 1 hour on this computer \(your setting “The longest time an invitation stays open”\)/);
    assert.throws(() => lifetime('31d', 30 * DAY_MINUTES), /at most 30 days/);
    for (const bad of ['1w', '0h', 'soon', '-1h', '1.5h']) assert.throws(() => lifetime(bad, 60), /is not a lifetime; write it like 30m, 1h or 2d/);
  });

  it('makes a signed invitation that lasts an hour by default and hands it to the transport', async () => {
    const { invitation } = await invitations.create({ via: 'file', target: '/tmp/x.msrcincident', password: 'pw', name: 'Nora' });
    const minutes = (invitation.expiresAt.getTime() - invitation.createdAt.getTime()) / 60_000;
    assert.ok(Math.abs(minutes - 60) <= 1, `lasts ${minutes} minutes`);
    const [envelope, target] = transport.deliver.firstCall.args;
    assert.equal(target, '/tmp/x.msrcincident');
    assert.equal(envelope.fileName, INVITATION_FILE_NAME);
    assert.equal(readInvitation(envelope.data).invitationId, invitation.invitationId);
    assert.equal(invitation.passwordRequired, true);
  });

  it('refuses lifetimes above the policy cap, and everything when invitations are turned off', async () => {
    policy = { ...SOLICITED, maxLifetime: '2h' };
    await assert.rejects(invitations.create({ via: 'file', expires: '3h', password: 'pw' }), /at most 2 hours/);
    policy = { ...SOLICITED, allowed: false };
    await assert.rejects(invitations.create({ via: 'file', password: 'pw' }), /invitations are turned off on this computer by its policy/);
    policy = SOLICITED;
    settings = { allowed: false };
    await assert.rejects(invitations.create({ via: 'file', password: 'pw' }), /Remote Assistance is turned off on this computer: switch on/);
    assert.equal((await store.list()).length, 0);
    sinon.assert.notCalled(transport.deliver);
  });

  it('names the enabled transports when asked for another', async () => {
    await assert.rejects(invitations.create({ via: 'pigeon' }), /no invitation transport 'pigeon' is enabled; enabled: download, file/);
  });

  it('removes the invitation when a hook vetoes sending or the transport fails: it can never be used, and leaves no ghost row', async () => {
    veto = 'not to outside addresses';
    await assert.rejects(invitations.create({ via: 'file', password: 'pw' }), /was not sent: not to outside addresses/);
    transport.deliver.rejects(new Error('disk full'));
    veto = undefined;
    await assert.rejects(invitations.create({ via: 'file', password: 'pw' }), /could not be sent by Invitation file: disk full/);
    assert.deepEqual(await store.list(), []);
  });

  it('refuses an invitation without a password unless that is confirmed', async () => {
    await assert.rejects(invitations.create({ via: 'file' }), /give the invitation a password, or confirm .*noPassword: true/);
    assert.deepEqual(await store.list(), []);
    const { invitation } = await invitations.create({ via: 'file', noPassword: true });
    assert.equal(invitation.passwordRequired, false);
  });

  it('offers only lifetimes within the policy and the setting, the default within them too', async () => {
    assert.deepEqual(
      invitations.options().lifetimes.map((l) => l.value),
      ['30m', '1h', '2h', '6h', '1d', '7d', '30d'],
    );
    // With no policy file, the section's default cap is no organization's doing.
    assert.deepEqual([invitations.options().max, invitations.options().capBy], ['30 days', 'setting']);
    settings = { maxLifetime: '60d' };
    assert.deepEqual([invitations.options().max, invitations.options().capBy], ['30 days', 'default']);
    await assert.rejects(invitations.create({ via: 'file', password: 'pw', expires: '40d' }), /at most 30 days on this computer \(RA’s own limit\)/);
    settings = {};
    policy = { ...SOLICITED, maxLifetime: '6h' };
    assert.deepEqual(invitations.options(), {
      off: undefined,
      lifetimes: [
        { value: '30m', label: '30 minutes' },
        { value: '1h', label: '1 hour' },
        { value: '2h', label: '2 hours' },
        { value: '6h', label: '6 hours' },
      ],
      defaultLifetime: '1h',
      max: '6 hours',
      capBy: 'policy',
    });
    settings = { maxLifetime: '45m' };
    assert.deepEqual(
      [invitations.options().lifetimes.map((l) => l.value), invitations.options().defaultLifetime, invitations.options().capBy],
      [['30m'], '30m', 'setting'],
    );
  });

  it('hands the file back for the browser to download, through the same hooks', async () => {
    const made = await invitations.create({ via: 'download', password: 'pw', name: 'Nora' });
    assert.deepEqual(made.receipt, { ...(made.receipt as object), transport: 'download', target: INVITATION_FILE_NAME });
    assert.equal(made.file?.name, INVITATION_FILE_NAME);
    assert.equal(readInvitation(made.file!.text).invitationId, made.invitation.invitationId);
    sinon.assert.notCalled(transport.deliver);
  });

  it('lists open invitations and those ended within a day; deleted ones go at once', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await invitations.create({ via: 'file', password: 'pw' })).invitation.invitationId);
      await invitations.expire(ids[0]);
      await invitations.delete(ids[1]);
      assert.deepEqual(
        (await invitations.list()).map((r) => r.invitationId),
        [ids[0], ids[2]],
      );
      clock.tick(2 * ENDED_LISTED_MS);
      assert.deepEqual(
        (await invitations.list()).map((r) => r.invitationId),
        [],
        'the open one ran out more than a day ago too',
      );
      assert.equal((await invitations.list(true)).length, 3);
    } finally {
      clock.restore();
    }
  });

  it('expires and deletes early, and says when there is nothing to change', async () => {
    const { invitation } = await invitations.create({ via: 'file', password: 'pw' });
    assert.equal((await invitations.expire(invitation.invitationId)).status, 'expired');
    await assert.rejects(invitations.expire(invitation.invitationId), /already expired/);
    assert.equal((await invitations.delete(invitation.invitationId)).status, 'deleted');
    await assert.rejects(invitations.delete('nope'), /no invitation 'nope'/);
  });
});
