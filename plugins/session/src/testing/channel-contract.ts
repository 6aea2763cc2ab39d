import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelEndpoint, ChannelLink, ConsentStep, NoteData, SessionChannel, SessionInfo } from '../common/api.js';
import type { Disposable, Role } from '@ra/kernel';
import { checkIdAndTitle, describeContract, type Contract, type Fixture } from '@ra/kernel/testing';

export interface SessionChannelFixture<C extends SessionChannel = SessionChannel> extends Fixture {
  readonly channel: C;
  /** The session to open the channel in; `sampleSession()` when left out. */
  readonly session?: SessionInfo;
}

export function sampleSession(overrides: Partial<SessionInfo> = {}): SessionInfo {
  return { id: 'session-0001', invitationId: 'ticket-0001', role: 'novice', peerName: 'Helpdesk', localName: 'Nora', ...overrides };
}

/** A ChannelLink that keeps what the channel sent and why it closed, for tests to inspect. */
export class RecordingLink implements ChannelLink {
  readonly sent: (Uint8Array | string)[] = [];
  /** What the channel handed this side's pages. */
  readonly paged: (Uint8Array | string)[] = [];
  readonly consents: { step: ConsentStep; reason?: string }[] = [];
  readonly notes: { event: string; data?: NoteData }[] = [];
  closed?: string;
  /** What the connection holds unsent: a test sets it to stall the link, then calls `drain()`. */
  buffered = 0;
  private readonly drains = new Set<() => void>();

  onDrain(listener: () => void): Disposable {
    this.drains.add(listener);
    return { dispose: () => void this.drains.delete(listener) };
  }
  /** The connection sent everything: `buffered` drops to 0 and the drain listeners run. */
  drain(): void {
    this.buffered = 0;
    for (const listener of [...this.drains]) listener();
  }

  send(payload: Uint8Array | string): void {
    this.sent.push(payload);
  }
  toPage(payload: Uint8Array | string): void {
    this.paged.push(payload);
  }
  close(reason: string): void {
    this.closed = reason;
  }
  consent(step: ConsentStep, reason?: string): void {
    this.consents.push(reason === undefined ? { step } : { step, reason });
  }
  note(event: string, data?: NoteData): void {
    this.notes.push(data === undefined ? { event } : { event, data });
  }
}

/** What a confused or hostile peer may send; none of it may throw out of `receive()`. */
const MALFORMED: readonly (Uint8Array | string)[] = ['', '{', '\u0000\uffff', 'x'.repeat(65_536), new Uint8Array(0), new Uint8Array([0xff, 0xfe, 0x00])];

/** How long a disposed channel is watched for stray sends. */
const QUIET_MS = 250;

async function open(f: SessionChannelFixture, link: ChannelLink, role?: Role): Promise<ChannelEndpoint> {
  const session = f.session ?? sampleSession();
  return f.channel.open(role ? { ...session, role } : session, link);
}

/** The rules every SessionChannel keeps; each check is exported so a spec can call it directly. */
export const sessionChannelContract: Contract<SessionChannelFixture> = {
  'has an id a manifest can declare and a title': async (f) => checkIdAndTitle(f.channel),

  'states the largest frame it takes, in bytes': async (f) => {
    const limit = f.channel.maxFrameBytes;
    assert.ok(Number.isInteger(limit) && limit > 0 && limit <= 32 * 1024 * 1024, `maxFrameBytes must be a whole number of bytes up to 32 MiB, not ${limit}`);
  },

  'open() gives an endpoint with receive() and dispose() on either side': async (f) => {
    for (const role of ['novice', 'helper'] as const) {
      const endpoint = await open(f, new RecordingLink(), role);
      assert.equal(typeof endpoint?.receive, 'function', `the ${role}'s endpoint must have receive()`);
      assert.equal(typeof endpoint.dispose, 'function', `the ${role}'s endpoint must have dispose()`);
      await endpoint.dispose();
    }
  },

  'dispose() can be called twice': async (f) => {
    const endpoint = await open(f, new RecordingLink());
    await endpoint.dispose();
    await endpoint.dispose();
  },

  'receive() survives malformed frames from the peer': async (f) => {
    const endpoint = await open(f, new RecordingLink());
    try {
      for (const frame of MALFORMED) {
        assert.doesNotThrow(() => endpoint.receive(frame), `receive() threw on a ${frame.length}-long ${typeof frame} frame`);
      }
    } finally {
      await endpoint.dispose();
    }
  },

  'sends nothing once disposed': async (f) => {
    const link = new RecordingLink();
    const endpoint = await open(f, link);
    await endpoint.dispose();
    const sent = link.sent.length;
    await sleep(QUIET_MS);
    assert.equal(link.sent.length, sent, `the channel sent ${link.sent.length - sent} frames after dispose()`);
  },
};

/** Registers the SessionChannel contract as a mocha suite; `factory` runs once per check. */
export function describeSessionChannelContract(name: string, factory: () => Promise<SessionChannelFixture>): void {
  describeContract(`${name}: SessionChannel contract`, sessionChannelContract, factory);
}
