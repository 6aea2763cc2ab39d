import assert from 'node:assert/strict';
import { runCheck } from '@ra/kernel/testing';
import { MAX_INVITATION_BYTES } from '@ra/plugin-session/api';
import { invitationTransportContract, recordProgress, sampleEnvelope, type InvitationTransportFixture } from '@ra/plugin-session/testing';
import { MAX_TICKET_BYTES, MessengerTransport } from './transport.js';
import { noraAndHank } from './testing/pair.js';
import { until } from './testing/messenger.js';

type Pair = Awaited<ReturnType<typeof noraAndHank>>;

/**
 * The contract's checks that fit a transport whose receiving end is another computer: the helper's
 * `receive` runs on Hank's RA, and the messenger carries only what fits in one frame (MAX_TICKET_BYTES).
 */
const APPLICABLE = [
  'has an id a manifest can declare and a title',
  'labels its field in the invite form',
  'deliver() resolves a receipt naming the transport, a target and the time',
  'refuses an envelope with empty data, saying it is empty',
  'refuses an envelope over MAX_INVITATION_BYTES, saying it is too large',
  'leaves the envelope it was given untouched',
  'reports only delivery steps, each a known state with text or no detail',
  'lists its targets, if it has a list, as plain values and labels',
  'withdraws what it delivered, if it can, without throwing',
  'its receipt is plain data and repeats none of the invitation',
];

describe('messenger transport: invitations to contacts, live', function () {
  this.timeout(60_000);
  let pair: Pair;
  let nora: MessengerTransport;
  let hank: MessengerTransport;

  beforeEach(async () => {
    pair = await noraAndHank();
    nora = new MessengerTransport(pair.nora.client);
    hank = new MessengerTransport(pair.hank.client);
  });
  afterEach(() => pair.stop());

  for (const name of APPLICABLE) {
    it(`keeps the InvitationTransport contract: ${name}`, async () => {
      const fixture = async (): Promise<InvitationTransportFixture> => ({
        transport: new MessengerTransport(pair.nora.client),
        target: async () => 'hank',
        dispose: async () => undefined,
      });
      await runCheck(invitationTransportContract[name], fixture);
    });
  }

  it('carries the signed ticket byte for byte to the helper, who opens it by its offer', async () => {
    const envelope = sampleEnvelope({ invitationId: 'inv-bytes', data: new Uint8Array(MAX_TICKET_BYTES).map((_, i) => i % 251) });
    await nora.deliver(envelope, 'Hank', recordProgress());
    await until(() => pair.hank.client.roster.offerList().length === 1, 'the offer');
    const [offer] = pair.hank.client.roster.offerList();
    assert.ok(hank.accepts(offer.source) && !hank.accepts('/home/hank/x.msrcincident') && !hank.accepts('messenger://nora@h:1'));
    assert.deepEqual(Buffer.from(await hank.receive(offer.source)), Buffer.from(envelope.data));
    await assert.rejects(hank.receive('messenger:nope'), { message: "no invitation 'messenger:nope' was offered to you through the messenger" });
  });

  it(`refuses an invitation over ${MAX_TICKET_BYTES} bytes, which a messenger frame cannot carry, pointing at the file instead`, async () => {
    assert.ok(MAX_TICKET_BYTES < MAX_INVITATION_BYTES);
    await assert.rejects(nora.deliver(sampleEnvelope({ data: new Uint8Array(MAX_TICKET_BYTES + 1) }), 'hank', recordProgress()), {
      message: `the invitation is ${MAX_TICKET_BYTES + 1} bytes, more than the ${MAX_TICKET_BYTES} the messenger carries; save it as a file instead`,
    });
  });

  it('reports each step live: sent, delivered, then declined', async () => {
    const progress = recordProgress();
    await nora.deliver(sampleEnvelope({ invitationId: 'inv-d' }), 'hank', progress);
    await until(() => pair.hank.client.roster.offerList().length === 1, 'the offer');
    const [offer] = pair.hank.client.roster.offerList();
    await pair.hank.client.request({ type: 'invite.respond', invite: offer.invite, accept: false });
    await until(() => progress.steps.length === 3, 'three steps');
    assert.deepEqual(progress.steps, [{ state: 'sent' }, { state: 'delivered' }, { state: 'declined' }]);
  });

  it('withdraws an invitation: the novice hears cancelled, the helper’s offer closes', async () => {
    const progress = recordProgress();
    await nora.deliver(sampleEnvelope({ invitationId: 'inv-c' }), 'hank', progress);
    await until(() => progress.steps.some((s) => s.state === 'delivered'), 'delivered');
    await nora.cancel('inv-c');
    await until(() => progress.steps.some((s) => s.state === 'cancelled'), 'cancelled');
    await until(() => pair.hank.client.roster.offerList()[0]?.state === 'closed', 'the offer closed');
    assert.equal(pair.hank.client.roster.offerList()[0].reason, 'nora cancelled the invitation');
    await assert.rejects(nora.cancel('never-sent'), { message: 'invitation never-sent was not sent through the messenger from this computer' });
  });

  it('lists mutual contacts only, offline ones not pickable; refuses an offline contact and a stranger plainly, queuing nothing', async () => {
    await pair.nora.client.request({ type: 'contact.request', user: 'zoe' });
    assert.deepEqual(await nora.targets(), [{ value: 'hank', label: 'Hank Helper (hank)' }]);
    await pair.hank.client.setPresence('busy');
    await until(async () => (await nora.targets())[0].note === 'busy', 'busy');
    await pair.hank.client.setPresence('appear-offline');
    await until(async () => (await nora.targets())[0].disabled === true, 'hank offline');
    assert.deepEqual(await nora.targets(), [{ value: 'hank', label: 'Hank Helper (hank)', disabled: true, note: 'offline' }]);
    await assert.rejects(nora.deliver(sampleEnvelope(), 'hank', recordProgress()), {
      message: 'Hank Helper is offline: an invitation through the messenger reaches only a contact who is online',
    });
    await assert.rejects(nora.deliver(sampleEnvelope(), 'zoe', recordProgress()), {
      message: 'zoe is not one of your messenger contacts: add them, and wait for them to accept',
    });
    await assert.rejects(nora.deliver(sampleEnvelope(), '', recordProgress()), { message: /say which contact/ });
    assert.deepEqual(pair.hank.client.roster.offerList(), []);
  });

  it('says so when this RA is not signed in', async () => {
    await pair.nora.client.signOut();
    await assert.rejects(nora.deliver(sampleEnvelope(), 'hank', recordProgress()), {
      message: 'not signed in to a messenger: sign in first (ra messenger login)',
    });
  });
});
