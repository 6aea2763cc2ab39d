import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { DAY_MINUTES } from '@ra/kernel';
import { type DeliveryProgress, type InvitationTransport } from '../common/api.js';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import { INVITATION_FILE_NAME, sessionHooks, type SolicitedPolicy } from '../common/api.js';
import { readInvitation } from './invitation/format.js';
import { readInvitationLink } from './invitation/link.js';
import { NoviceIdentity } from './invitation/identity.js';
import { InvitationStore } from './invitation/store.js';
import { ENDED_LISTED_MS, Invitations, inviteLimits, lifetime, nextDelivery, TRANSPORT_CALL_MS } from './invitations.js';

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
  let deps: ConstructorParameters<typeof Invitations>[0];
  let changed: number;
  let warnings: string[];

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
    changed = 0;
    warnings = [];
    const hooks = sessionHooks(stubHooks({ invitationBeforeSend: async (o: object) => ({ ...o, veto }) }));
    invitations = new Invitations(
      (deps = {
        store,
        hooks,
        // A spec that sets `policy` stands for a signed policy file naming its values.
        limits: () => inviteLimits(policy, settings, policy !== SOLICITED),
        transports: () => [transport],
        defaultName: () => 'nora',
        logger: { ...quietLogger, warn: (line: string) => void warnings.push(line) },
        changed: () => void changed++,
        mint: { mint: (fields) => store.mint({ ...fields, addresses: ['127.0.0.1:3389'] }, identity) },
      }),
    );
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

  it('sends an open invitation again, the same ticket and expiry, and keeps the earlier delivery in its history', async () => {
    const { invitation } = await invitations.create({ via: 'file', target: '/tmp/a.msrcincident', password: 'pw' });
    const first = transport.deliver.firstCall.args[0];
    assert.equal(readInvitationLink(first.link).invitationId, invitation.invitationId, 'the envelope carries the link too');
    const { invitation: again } = await invitations.resend(invitation.invitationId, { via: 'file', target: '/tmp/b.msrcincident' });
    const second = transport.deliver.secondCall.args[0];
    assert.deepEqual(second.data, first.data, 'the very same signed file');
    assert.equal(second.link, first.link);
    assert.deepEqual(again.expiresAt, invitation.expiresAt);
    assert.equal(again.delivery?.target, '/tmp/b.msrcincident');
    assert.deepEqual(
      again.history?.map((d) => [d.state, d.target]),
      [['sent', '/tmp/a.msrcincident']],
    );
    // A resend that fails says why, is recorded as failed, and leaves the invitation open to try again.
    transport.deliver.rejects(new Error('disk full'));
    await assert.rejects(invitations.resend(invitation.invitationId, { via: 'file', target: '/full' }), /could not be sent by Invitation file: disk full/);
    const failed = (await store.get(invitation.invitationId))!;
    assert.equal(failed.status, 'open');
    assert.equal(failed.delivery?.state, 'failed');
    assert.match(failed.delivery?.detail ?? '', /disk full/);
    assert.equal(failed.history?.length, 2);
  });

  it('refuses to send again what is not open, unknown, or by a transport that is not enabled', async () => {
    const { invitation } = await invitations.create({ via: 'file', password: 'pw' });
    await assert.rejects(invitations.resend(invitation.invitationId, { via: 'pigeon' }), /no invitation transport 'pigeon' is enabled/);
    await assert.rejects(invitations.resend('nope', { via: 'file' }), /there is no invitation nope/);
    await invitations.expire(invitation.invitationId);
    await assert.rejects(invitations.resend(invitation.invitationId, { via: 'file' }), /is expired: only an open invitation can be sent again/);
    assert.equal(transport.deliver.callCount, 1);
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

  describe('delivery: each step a transport reports, kept and shown; cancel; targets', () => {
    /** A transport like a messenger's: it reports steps during deliver and after, can withdraw, and lists contacts. */
    let later: DeliveryProgress;
    let messenger: InvitationTransport & { cancel: sinon.SinonStub; targets: sinon.SinonStub };
    beforeEach(() => {
      messenger = {
        id: 'messenger',
        title: 'Messenger',
        target: { label: 'Contact' },
        deliver: async (e, target, progress) => {
          progress('sent');
          later = progress;
          return { transport: 'messenger', target, deliveredAt: new Date() };
        },
        cancel: sinon.stub().resolves(),
        targets: sinon.stub().resolves([
          { value: 'hank', label: 'Hank Helper' },
          { value: 'olga', label: 'Olga', disabled: true, note: 'offline' },
        ]),
      };
      const plain = transport;
      invitations = new Invitations({ ...deps, transports: () => [plain, messenger] });
    });
    const delivery = async (id: string) => (await store.get(id))?.delivery;
    const settle = () => new Promise((r) => setTimeout(r, 20));

    it('drops the steps an earlier send reports after the invitation was sent again', async () => {
      const { invitation } = await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' });
      const first = later;
      await invitations.resend(invitation.invitationId, { via: 'file', target: '/tmp/again.msrcincident' });
      first('accepted');
      await settle();
      assert.deepEqual(
        [(await delivery(invitation.invitationId))?.transport, (await delivery(invitation.invitationId))?.state],
        ['file', 'sent'],
        "the messenger's late answer does not land on the file's delivery",
      );
    });

    it('keeps every step on the record, persisted, and tells the pages each time', async () => {
      const { invitation } = await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' });
      assert.deepEqual([invitation.delivery?.state, invitation.delivery?.target, invitation.delivery?.transport], ['sent', 'hank', 'messenger']);
      const before = changed;
      later('delivered');
      await settle();
      assert.equal((await delivery(invitation.invitationId))?.state, 'delivered');
      later('accepted', 'on Hank’s laptop');
      await settle();
      assert.deepEqual(
        { ...(await (await InvitationStore.open(store.path.replace(/\/invitations\.json$/, ''))).get(invitation.invitationId))!.delivery, at: undefined },
        { transport: 'messenger', target: 'hank', state: 'accepted', detail: 'on Hank’s laptop', at: undefined },
      );
      assert.equal(changed - before, 2, 'each step told the pages');
    });

    it('a transport that reports nothing leaves its invitation sent, to the receipt’s target', async () => {
      const { invitation } = await invitations.create({ via: 'file', target: '/tmp/x.msrcincident', password: 'pw' });
      assert.deepEqual([invitation.delivery?.state, invitation.delivery?.target], ['sent', '/tmp/x.msrcincident']);
      const made = await invitations.create({ via: 'download', password: 'pw' });
      assert.deepEqual([made.invitation.delivery?.transport, made.invitation.delivery?.state], ['download', 'sent']);
    });

    it('steps go forward only, nothing follows an end, and a step that is no state is logged and ignored', async () => {
      const { invitation } = await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' });
      later('delivered');
      later('sent');
      await settle();
      assert.equal((await delivery(invitation.invitationId))?.state, 'delivered');
      later('declined', 'busy');
      later('accepted');
      (later as (s: string) => void)('read');
      await settle();
      assert.deepEqual([(await delivery(invitation.invitationId))?.state, (await delivery(invitation.invitationId))?.detail], ['declined', 'busy']);
      assert.match(warnings.join('\n'), /Messenger reported 'read' for invitation .*, which is no delivery step; ignored/);
      const at = new Date();
      const step = { transport: 't', target: 'x' };
      assert.equal(
        nextDelivery({ ...step, state: 'accepted', at }, { ...step, state: 'cancelled' })?.state,
        'cancelled',
        'the novice may still end an accepted one',
      );
      assert.equal(nextDelivery({ ...step, state: 'expired', at }, { ...step, state: 'delivered' }), undefined);
      assert.equal(nextDelivery(undefined, { ...step, state: 'sent', detail: 'd'.repeat(400) })?.detail?.length, 300);
    });

    it('a step after a failed creation, for an invitation that is gone, is dropped', async () => {
      messenger.deliver = async (_e, _t, progress) => {
        later = progress;
        throw new Error('hank is offline');
      };
      await assert.rejects(invitations.create({ via: 'messenger', target: 'hank', password: 'pw' }), /could not be sent by Messenger: hank is offline/);
      later('delivered');
      await settle();
      assert.deepEqual(await store.list(), []);
    });

    it('ending an invitation withdraws it through its transport and reads cancelled; deleting an open one too', async () => {
      const { invitation } = await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' });
      later('delivered');
      await settle();
      const ended = await invitations.expire(invitation.invitationId);
      sinon.assert.calledOnceWithExactly(messenger.cancel, invitation.invitationId);
      assert.deepEqual([ended.status, ended.delivery?.state, ended.delivery?.target], ['expired', 'cancelled', 'hank']);
      const other = (await invitations.create({ via: 'messenger', target: 'olga', password: 'pw' })).invitation;
      assert.equal((await invitations.delete(other.invitationId)).delivery?.state, 'cancelled');
      sinon.assert.calledTwice(messenger.cancel);
    });

    it('a transport that cannot withdraw leaves the invitation ended and its delivery as it was, and says so in the log', async () => {
      const { invitation } = await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' });
      messenger.cancel.rejects(new Error('not signed in'));
      const ended = await invitations.expire(invitation.invitationId);
      assert.deepEqual([ended.status, ended.delivery?.state], ['expired', 'sent']);
      assert.match(warnings.join('\n'), /Messenger could not withdraw invitation .*: not signed in/);
      const hung = (await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' })).invitation;
      messenger.cancel.returns(new Promise(() => undefined));
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        let ended = false;
        const ending = invitations.expire(hung.invitationId).finally(() => (ended = true));
        // The store writes for real in between, so the clock moves on until the expiry comes back (for 10 real seconds at most).
        for (const stop = performance.now() + 10_000; !ended && performance.now() < stop;) {
          await clock.tickAsync(500);
          await new Promise((r) => setImmediate(r));
        }
        assert.equal((await ending).status, 'expired');
        assert.match(warnings.join('\n'), new RegExp(`could not withdraw invitation .*: no answer within ${TRANSPORT_CALL_MS / 1000} s`));
      } finally {
        clock.restore();
      }
      // Nothing to withdraw: a declined invitation, or a transport with no cancel().
      const declined = (await invitations.create({ via: 'messenger', target: 'hank', password: 'pw' })).invitation;
      later('declined');
      await settle();
      messenger.cancel.resetHistory();
      await invitations.expire(declined.invitationId);
      sinon.assert.notCalled(messenger.cancel);
    });

    it('lists a transport’s targets for the picker, checked; says which transports have none', async () => {
      assert.deepEqual(await invitations.targets('messenger'), [
        { value: 'hank', label: 'Hank Helper' },
        { value: 'olga', label: 'Olga', disabled: true, note: 'offline' },
      ]);
      messenger.targets.resolves([{ value: 'x' }, { value: 'ok', label: 'OK', disabled: 'yes', note: 7 }, 'nobody']);
      assert.deepEqual(await invitations.targets('messenger'), [{ value: 'ok', label: 'OK' }], 'malformed entries are left out');
      messenger.targets.resolves(Array.from({ length: 600 }, (_, i) => ({ value: `u${i}`, label: `User ${i}` })));
      assert.equal((await invitations.targets('messenger')).length, 500);
      messenger.targets.rejects(new Error('not signed in'));
      await assert.rejects(invitations.targets('messenger'), /Messenger could not list whom to send to: not signed in/);
      await assert.rejects(invitations.targets('file'), /Invitation file has no list to choose from; type the target/);
      await assert.rejects(invitations.targets('pigeon'), /no invitation transport 'pigeon' is enabled/);
    });
  });
});
