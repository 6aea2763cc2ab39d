import assert from 'node:assert/strict';
import { MAX_INVITATION_BYTES, type DeliveryProgress, type DeliveryReceipt, type InvitationEnvelope, type InvitationTransport } from '../common/api.js';
import { failingChecks } from '@ra/kernel/testing';
import {
  describeInvitationTransportContract,
  invitationTransportContract,
  recordProgress,
  sampleEnvelope,
  type InvitationTransportFixture,
} from './transport-contract.js';

/** Keeps invitations in memory by mailbox name: the smallest transport that honours the contract. */
class MailboxTransport implements InvitationTransport {
  readonly id: string = 'mailbox';
  readonly title: string = 'In-memory mailbox';
  readonly target = { label: 'Mailbox name' };
  readonly boxes = new Map<string, Uint8Array>();

  /** Which box each invitation went to, so it can be withdrawn. */
  readonly sent = new Map<string, string>();

  async deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt> {
    const size = envelope.data.byteLength;
    if (size === 0) throw new Error(`invitation ${envelope.invitationId} is empty`);
    if (size > MAX_INVITATION_BYTES) throw new Error(`invitation is ${size} bytes, more than the ${MAX_INVITATION_BYTES} allowed`);
    this.boxes.set(target, envelope.data.slice());
    this.sent.set(envelope.invitationId, target);
    progress('delivered');
    return { transport: this.id, target, deliveredAt: new Date() };
  }

  async cancel(invitationId: string): Promise<void> {
    this.boxes.delete(this.sent.get(invitationId) ?? '');
  }

  async targets() {
    return [...this.boxes.keys()].map((box) => ({ value: box, label: `Mailbox ${box}` }));
  }

  accepts(source: string): boolean {
    return source.startsWith('box-');
  }

  async receive(source: string): Promise<Uint8Array> {
    const data = this.boxes.get(source);
    if (!data) throw new Error(`mailbox ${source} holds no invitation`);
    return data.slice();
  }
}

/** The same, minus `receive`: a send-only transport, read back through the fixture. */
class DropBoxTransport implements InvitationTransport {
  readonly id = 'drop-box';
  readonly title = 'In-memory drop box';
  readonly target = { label: 'Drop box name' };
  readonly mailbox = new MailboxTransport();
  deliver(envelope: InvitationEnvelope, target: string, progress: DeliveryProgress): Promise<DeliveryReceipt> {
    return this.mailbox.deliver(envelope, target, progress).then((r) => ({ ...r, transport: this.id }));
  }
}

function fixture(transport: InvitationTransport, readBack?: (target: string) => Promise<Uint8Array>): InvitationTransportFixture {
  let n = 0;
  return { transport, target: async () => `box-${++n}`, readBack };
}

const ID = 'has an id a manifest can declare and a title';
const RECEIPT = 'deliver() resolves a receipt naming the transport, a target and the time';
const EXACT = 'delivers exactly the envelope bytes: nothing added, dropped or re-encoded';
const AT_MAX = 'accepts an invitation of exactly MAX_INVITATION_BYTES';
const EMPTY = 'refuses an envelope with empty data, saying it is empty';
const OVER_MAX = 'refuses an envelope over MAX_INVITATION_BYTES, saying it is too large';
const UNTOUCHED = 'leaves the envelope it was given untouched';
const PLAIN = 'its receipt is plain data and repeats none of the invitation';
const LABEL = 'labels its field in the invite form';
const OPENS = 'opens what it delivered, by accepts() and receive() together, or has neither';
const STEPS = 'reports only delivery steps, each a known state with text or no detail';
const TARGETS = 'lists its targets, if it has a list, as plain values and labels';
const CANCEL = 'withdraws what it delivered, if it can, without throwing';

/** What a transport that treats the invitation as text does to binary bytes. */
const throughText = (data: Uint8Array) => new TextEncoder().encode(new TextDecoder().decode(data));

/** Each transport breaks one promise; the contract must notice exactly where. */
const BROKEN: { what: string; transport: () => InvitationTransport; fails: string[] }[] = [
  { what: 'an id with spaces', transport: () => Object.assign(new MailboxTransport(), { id: 'My Mailbox' }), fails: [ID] },
  { what: 'a blank title', transport: () => Object.assign(new MailboxTransport(), { title: ' ' }), fails: [ID] },
  { what: 'no label for its field', transport: () => Object.assign(new MailboxTransport(), { target: { label: '' } }), fails: [LABEL] },
  { what: 'receive() but no accepts()', transport: () => Object.assign(new MailboxTransport(), { accepts: undefined }), fails: [OPENS] },
  { what: 'accepts() refusing its own targets', transport: () => Object.assign(new MailboxTransport(), { accepts: () => false }), fails: [OPENS] },
  {
    what: 'a step that is no delivery state',
    transport: () => wrap((e, t, deliver, progress) => deliver(e, t, () => (progress as (s: string) => void)('read'))),
    fails: [STEPS],
  },
  {
    what: 'targets without labels',
    transport: () => Object.assign(new MailboxTransport(), { targets: async () => [{ value: 'box-1', label: '' }] }),
    fails: [TARGETS],
  },
  {
    what: 'a cancel() that throws',
    transport: () =>
      Object.assign(new MailboxTransport(), {
        cancel: async () => {
          throw new Error('not connected');
        },
      }),
    fails: [CANCEL],
  },
  {
    what: 'a receipt in another transport’s name',
    transport: () => wrap((e, t, deliver) => deliver(e, t).then((r) => ({ ...r, transport: 'mail' }))),
    fails: [RECEIPT],
  },
  {
    what: 'an invalid delivery time',
    transport: () => wrap((e, t, deliver) => deliver(e, t).then((r) => ({ ...r, deliveredAt: new Date(NaN) }))),
    fails: [RECEIPT],
  },
  { what: 'a round trip through text', transport: () => wrap((e, t, deliver) => deliver({ ...e, data: throughText(e.data) }, t)), fails: [EXACT] },
  {
    what: 'a password header added to the file',
    transport: () => wrap((e, t, deliver) => deliver({ ...e, data: Buffer.concat([Buffer.from('Password: hunter2\n'), e.data]) }, t)),
    fails: [EXACT, AT_MAX, EMPTY],
  },
  {
    what: 'empty invitations accepted',
    transport: () => wrap((e, t, deliver) => (e.data.length === 0 ? Promise.resolve(receipt(t)) : deliver(e, t))),
    fails: [EMPTY],
  },
  {
    what: 'empty invitations refused without saying why',
    transport: () => wrap((e, t, deliver) => (e.data.length === 0 ? Promise.reject(new Error('delivery failed')) : deliver(e, t))),
    fails: [EMPTY],
  },
  {
    what: 'no size limit',
    transport: () => wrap((e, t, deliver) => (e.data.length > MAX_INVITATION_BYTES ? Promise.resolve(receipt(t)) : deliver(e, t))),
    fails: [OVER_MAX],
  },
  {
    what: 'a limit one byte short',
    transport: () => wrap((e, t, deliver) => (e.data.length === MAX_INVITATION_BYTES ? Promise.reject(new Error('too large')) : deliver(e, t))),
    fails: [AT_MAX],
  },
  {
    what: 'the envelope wiped after sending',
    transport: () => wrap((e, t, deliver) => deliver(e, t).finally(() => (e.data as Uint8Array).fill(0))),
    fails: [EXACT, AT_MAX, UNTOUCHED],
  },
  {
    what: 'the invitation copied into the receipt',
    transport: () => wrap((e, t, deliver) => deliver(e, t).then((r) => ({ ...r, body: new TextDecoder().decode(e.data) }))),
    fails: [PLAIN],
  },
  {
    what: 'the invitation bytes kept in the receipt',
    transport: () => wrap((e, t, deliver) => deliver(e, t).then((r) => ({ ...r, data: e.data }))),
    fails: [PLAIN],
  },
];

type Deliver = (e: InvitationEnvelope, target: string, progress?: DeliveryProgress) => Promise<DeliveryReceipt>;

/** A mailbox whose deliver() goes through `change`, which may call the honest one. */
function wrap(change: (e: InvitationEnvelope, target: string, deliver: Deliver, progress: DeliveryProgress) => Promise<DeliveryReceipt>): InvitationTransport {
  const honest = new MailboxTransport();
  const original = honest.deliver.bind(honest);
  const deliver: Deliver = (e, t, progress = () => undefined) => original(e, t, progress);
  return Object.assign(honest, { deliver: (e: InvitationEnvelope, t: string, progress: DeliveryProgress) => change(e, t, deliver, progress) });
}

function receipt(target: string): DeliveryReceipt {
  return { transport: 'mailbox', target, deliveredAt: new Date() };
}

describeInvitationTransportContract('in-memory mailbox', async () => fixture(new MailboxTransport()));

describeInvitationTransportContract('send-only drop box, read back by the fixture', async () => {
  const transport = new DropBoxTransport();
  return fixture(transport, (target) => transport.mailbox.receive(target));
});

describe('InvitationTransport contract', () => {
  for (const b of BROKEN) {
    it(`fails a transport with ${b.what}`, async () => {
      assert.deepEqual(await failingChecks(invitationTransportContract, async () => fixture(b.transport())), b.fails);
    });
  }

  it('fails a send-only transport whose fixture cannot read back', async () => {
    assert.deepEqual(await failingChecks(invitationTransportContract, async () => fixture(new DropBoxTransport())), [EXACT, AT_MAX]);
  });

  it('recordProgress() keeps the steps a transport reports, in order', async () => {
    const progress = recordProgress();
    await new MailboxTransport().deliver(sampleEnvelope(), 'box-1', progress);
    progress('accepted', 'by Hank');
    assert.deepEqual(progress.steps, [{ state: 'delivered' }, { state: 'accepted', detail: 'by Hank' }]);
  });

  it('sampleEnvelope() builds a UTF-8 invitation around the given id and takes overrides', () => {
    const envelope = sampleEnvelope({ invitationId: 'ticket-42', message: 'help' });
    const text = new TextDecoder().decode(envelope.data);
    assert.match(text, /^<\?xml/);
    assert.match(text, /TICKETID="ticket-42"/);
    assert.match(text, /USERNAME="Zoë Müller"/);
    assert.equal(envelope.message, 'help');
    assert.ok(envelope.expiresAt.getTime() > Date.now());
  });
});
