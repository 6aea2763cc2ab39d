import assert from 'node:assert/strict';
import {
  DELIVERY_STATES,
  INVITATION_FILE_NAME,
  INVITATION_MEDIA_TYPE,
  MAX_INVITATION_BYTES,
  type DeliveryProgress,
  type DeliveryState,
  type InvitationEnvelope,
  type InvitationTransport,
} from '../common/api.js';
import { checkIdAndTitle, describeContract, type Contract, type Fixture } from '@ra/kernel/testing';

export interface InvitationTransportFixture extends Fixture {
  readonly transport: InvitationTransport;
  /** A target a delivery should succeed to, in the transport's own terms; called once per delivery. */
  target(): Promise<string>;
  /** Reads what a delivery left at `receipt.target`; needed when the transport has no `receive`. */
  readBack?(target: string): Promise<Uint8Array>;
}

/** Stands for the connection secrets inside a real invitation; a receipt must never repeat it. */
const SAMPLE_TICKET = '65538,1,127.0.0.1:3389,*,sample-ticket-secret,*,*,sample';

/** A plausible invitation, UTF-8 with a non-ASCII name so re-encoding shows; override any field. */
export function sampleEnvelope(overrides: Partial<InvitationEnvelope> = {}): InvitationEnvelope {
  const invitationId = overrides.invitationId ?? 'ticket-0001';
  const noviceName = overrides.noviceName ?? 'Zoë Müller';
  const expiresAt = overrides.expiresAt ?? new Date(Date.now() + 6 * 3600_000);
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\r\n<UPLOADINFO TYPE="Escalated">' +
    `<UPLOADDATA USERNAME="${noviceName}" RCTICKET="${SAMPLE_TICKET}" TICKETID="${invitationId}" ` +
    `EXPIRES="${expiresAt.toISOString()}" RCTICKETENCRYPTED="1" L="0"/></UPLOADINFO>\r\n`;
  return {
    invitationId,
    fileName: INVITATION_FILE_NAME,
    mediaType: INVITATION_MEDIA_TYPE,
    data: new TextEncoder().encode(xml),
    link: `ra-invite:${Buffer.from(invitationId).toString('base64url')}`,
    noviceName,
    message: 'My printer stopped working, can you have a look?',
    expiresAt,
    passwordRequired: true,
    ...overrides,
  };
}

/** A `progress` for `deliver` that keeps every step reported, in order. */
export function recordProgress(): DeliveryProgress & { readonly steps: { state: DeliveryState; detail?: string }[] } {
  const steps: { state: DeliveryState; detail?: string }[] = [];
  return Object.assign((state: DeliveryState, detail?: string) => void steps.push(detail === undefined ? { state } : { state, detail }), { steps });
}

/** The rules every InvitationTransport keeps; each check is exported so a spec can call it directly. */
export const invitationTransportContract: Contract<InvitationTransportFixture> = {
  'has an id a manifest can declare and a title': async (f) => checkIdAndTitle(f.transport),

  'labels its field in the invite form': async (f) => {
    assert.equal(typeof f.transport.target?.label, 'string', 'target.label must say what to fill in');
    assert.ok(f.transport.target.label.trim(), 'target.label must not be blank');
  },

  'opens what it delivered, by accepts() and receive() together, or has neither': async (f) => {
    const { accepts, receive } = f.transport;
    assert.equal(typeof accepts, typeof receive, 'accepts() and receive() come together: `ra open` finds a transport by accepts()');
    if (!accepts) return;
    const receipt = await f.transport.deliver(sampleEnvelope(), await f.target(), recordProgress());
    assert.ok(f.transport.accepts!(receipt.target), `accepts('${receipt.target}') must be true for the receipt's own target`);
  },

  'deliver() resolves a receipt naming the transport, a target and the time': async (f) => {
    const receipt = await f.transport.deliver(sampleEnvelope(), await f.target(), recordProgress());
    assert.equal(receipt.transport, f.transport.id, 'receipt.transport must be the transport id');
    assert.equal(typeof receipt.target, 'string', 'receipt.target must be a string');
    assert.notEqual(receipt.target, '', 'receipt.target must say where the invitation went');
    assert.ok(receipt.deliveredAt instanceof Date, 'receipt.deliveredAt must be a Date');
    assert.ok(!Number.isNaN(receipt.deliveredAt.getTime()), 'receipt.deliveredAt must be a valid Date');
  },

  'delivers exactly the envelope bytes: nothing added, dropped or re-encoded': async (f) => {
    const binary = new Uint8Array(512).map((_, i) => i % 256);
    for (const envelope of [sampleEnvelope(), sampleEnvelope({ invitationId: 'ticket-0002', data: binary })]) {
      const receipt = await f.transport.deliver(envelope, await f.target(), recordProgress());
      sameBytes(await readBack(f, receipt.target), envelope.data, `what ${receipt.target} holds`);
    }
  },

  'accepts an invitation of exactly MAX_INVITATION_BYTES': async (f) => {
    const envelope = sampleEnvelope({ data: new Uint8Array(MAX_INVITATION_BYTES).fill(0x41) });
    const receipt = await f.transport.deliver(envelope, await f.target(), recordProgress());
    sameBytes(await readBack(f, receipt.target), envelope.data, `what ${receipt.target} holds`);
  },

  'refuses an envelope with empty data, saying it is empty': async (f) => {
    const delivery = f.transport.deliver(sampleEnvelope({ data: new Uint8Array(0) }), await f.target(), recordProgress());
    await rejectsWith(delivery, /empty/i, 'an empty invitation');
  },

  'refuses an envelope over MAX_INVITATION_BYTES, saying it is too large': async (f) => {
    const delivery = f.transport.deliver(sampleEnvelope({ data: new Uint8Array(MAX_INVITATION_BYTES + 1) }), await f.target(), recordProgress());
    await rejectsWith(delivery, /too (large|big)|larger|more than|exceeds|limit/i, 'an oversized invitation');
  },

  'leaves the envelope it was given untouched': async (f) => {
    const envelope = sampleEnvelope();
    const before = { ...envelope, data: envelope.data.slice() };
    await f.transport.deliver(envelope, await f.target(), recordProgress());
    assert.deepEqual(envelope, before, 'deliver() must not change the envelope');
  },

  'reports only delivery steps, each a known state with text or no detail': async (f) => {
    const progress = recordProgress();
    await f.transport.deliver(sampleEnvelope(), await f.target(), progress);
    for (const step of progress.steps) {
      assert.ok(DELIVERY_STATES.includes(step.state), `'${String(step.state)}' is not a DeliveryState`);
      assert.ok(step.detail === undefined || typeof step.detail === 'string', "a step's detail is text");
    }
  },

  'lists its targets, if it has a list, as plain values and labels': async (f) => {
    if (!f.transport.targets) return;
    const list = await f.transport.targets();
    assert.ok(Array.isArray(list), 'targets() resolves a list');
    for (const t of list) {
      assert.equal(typeof t.value, 'string', 'each target has a value');
      assert.ok(typeof t.label === 'string' && t.label.trim(), 'each target has a label');
      assert.ok(t.note === undefined || typeof t.note === 'string', "a target's note is text");
    }
  },

  'withdraws what it delivered, if it can, without throwing': async (f) => {
    if (!f.transport.cancel) return;
    const envelope = sampleEnvelope({ invitationId: 'ticket-cancel' });
    await f.transport.deliver(envelope, await f.target(), recordProgress());
    await f.transport.cancel(envelope.invitationId);
  },

  'its receipt is plain data and repeats none of the invitation': async (f) => {
    const receipt = await f.transport.deliver(sampleEnvelope(), await f.target(), recordProgress());
    const json = JSON.stringify(receipt);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.equal(parsed.transport, receipt.transport, 'receipt must survive JSON: hooks and logs pass it on');
    assert.equal(parsed.target, receipt.target, 'receipt must survive JSON: hooks and logs pass it on');
    const leak = 'receipt must not carry the invitation: hook taps log receipts';
    assert.ok(!json.includes(SAMPLE_TICKET) && !holdsBytes(receipt), leak);
  },
};

/** Registers the InvitationTransport contract as a mocha suite; `factory` runs once per check. */
export function describeInvitationTransportContract(name: string, factory: () => Promise<InvitationTransportFixture>): void {
  describeContract(`${name}: InvitationTransport contract`, invitationTransportContract, factory);
}

async function readBack(f: InvitationTransportFixture, target: string): Promise<Uint8Array> {
  if (f.transport.receive) return f.transport.receive(target);
  assert.ok(f.readBack, `transport '${f.transport.id}' has no receive(), so the fixture must give readBack()`);
  return f.readBack(target);
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what} must be a Uint8Array`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length differs`);
  const at = actual.findIndex((b, i) => b !== expected[i]);
  assert.equal(at, -1, `${what}: first differing byte at offset ${at}`);
}

function holdsBytes(value: unknown, depth = 0): boolean {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  if (typeof value !== 'object' || value === null || depth > 3) return false;
  return Object.values(value).some((v) => holdsBytes(v, depth + 1));
}

async function rejectsWith(promise: Promise<unknown>, problem: RegExp, what: string): Promise<void> {
  await assert.rejects(
    promise,
    (e: unknown) => {
      assert.ok(e instanceof Error, `${what} must be refused with an Error, not ${String(e)}`);
      assert.match(e.message, problem, `refusing ${what}, the message must name the problem`);
      return true;
    },
    `${what} must be refused`,
  );
}
