import assert from 'node:assert/strict';
import type { ChannelEndpoint, ChannelLink, SessionChannel, SessionInfo } from '../common/api.js';
import { describeSessionChannelContract, RecordingLink, sampleSession, sessionChannelContract, type SessionChannelFixture } from './channel-contract.js';
import { failingChecks } from '@ra/kernel/testing';

/** How a broken channel deviates from the honest one. */
interface Flaws {
  trustsPeer?: boolean;
  noviceOnly?: boolean;
  disposeOnce?: boolean;
  keepsTalking?: boolean;
}

/** Chat lines as JSON `{ "text": ... }` frames; what is not such a frame is dropped. */
class ChatChannel implements SessionChannel {
  readonly id: string = 'chat';
  readonly title: string = 'Chat';
  readonly maxFrameBytes: number = 4096;
  readonly lines: string[] = [];

  constructor(protected readonly flaws: Flaws = {}) {}

  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    if (this.flaws.noviceOnly && session.role !== 'novice') throw new Error('chat opens on the novice side only');
    link.send(JSON.stringify({ text: `${session.role} joined` }));
    let disposed = false;
    return {
      receive: (payload) => {
        const text = this.flaws.trustsPeer ? (JSON.parse(payload as string) as { text: string }).text : lineOf(payload);
        if (text !== undefined) this.lines.push(text);
      },
      dispose: () => {
        if (disposed && this.flaws.disposeOnce) throw new Error('chat already closed');
        disposed = true;
      },
    };
  }
}

function lineOf(payload: Uint8Array | string): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const frame: unknown = JSON.parse(payload);
    const text = (frame as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Voice-like: sends a keep-alive every 20 ms until disposed. */
class TickingChannel implements SessionChannel {
  readonly id = 'voice';
  readonly title = 'Voice';
  readonly maxFrameBytes = 1500;
  readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly flaws: Flaws = {}) {}

  open(_session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    const timer = setInterval(() => link.send(new Uint8Array([0])), 20);
    this.timers.add(timer);
    return {
      receive: () => undefined,
      dispose: () => {
        if (!this.flaws.keepsTalking) clearInterval(timer);
      },
    };
  }

  /** For the fixture: no keep-alive outlives a check, however broken the channel. */
  silence(): void {
    this.timers.forEach(clearInterval);
  }
}

const ID = 'has an id a manifest can declare and a title';
const LIMIT = 'states the largest frame it takes, in bytes';
const OPEN = 'open() gives an endpoint with receive() and dispose() on either side';
const TWICE = 'dispose() can be called twice';
const MALFORMED = 'receive() survives malformed frames from the peer';
const QUIET = 'sends nothing once disposed';

const BROKEN_CHATS: { what: string; flaws: Flaws; fails: string[] }[] = [
  { what: 'JSON.parse on whatever the peer sends', flaws: { trustsPeer: true }, fails: [MALFORMED] },
  { what: 'an endpoint for the novice only', flaws: { noviceOnly: true }, fails: [OPEN] },
  { what: 'dispose() that throws the second time', flaws: { disposeOnce: true }, fails: [TWICE] },
];

const tickingFixture = (channel: TickingChannel): SessionChannelFixture => ({ channel, dispose: () => channel.silence() });

describeSessionChannelContract('chat', async () => ({ channel: new ChatChannel() }));
describeSessionChannelContract('chat, as the helper sees it', async () => ({
  channel: new ChatChannel(),
  session: sampleSession({ role: 'helper' }),
}));
describeSessionChannelContract('a ticking channel', async () => tickingFixture(new TickingChannel()));

describe('SessionChannel contract', () => {
  for (const b of BROKEN_CHATS) {
    it(`fail a channel with ${b.what}`, async () => {
      assert.deepEqual(await failingChecks(sessionChannelContract, async () => ({ channel: new ChatChannel(b.flaws) })), b.fails);
    });
  }

  it('fail a channel with no frame limit, or one the session cannot carry', async () => {
    for (const maxFrameBytes of [undefined, 0, 1.5, 64 * 1024 * 1024]) {
      const channel = Object.assign(new ChatChannel(), { maxFrameBytes });
      assert.deepEqual(await failingChecks(sessionChannelContract, async () => ({ channel })), [LIMIT], String(maxFrameBytes));
    }
  });

  it('fail a channel with a title of spaces', async () => {
    const channel = Object.assign(new ChatChannel(), { title: '   ' });
    assert.deepEqual(await failingChecks(sessionChannelContract, async () => ({ channel })), [ID]);
  });

  it('fail a channel that keeps sending after dispose()', async () => {
    const fails = await failingChecks(sessionChannelContract, async () => tickingFixture(new TickingChannel({ keepsTalking: true })));
    assert.deepEqual(fails, [QUIET]);
  });

  it('give a RecordingLink that keeps what the channel sent and why it closed', () => {
    const link = new RecordingLink();
    new ChatChannel().open(sampleSession({ role: 'helper' }), link);
    link.close('peer left');
    link.consent('requested');
    assert.deepEqual(link.sent, [JSON.stringify({ text: 'helper joined' })]);
    assert.equal(link.closed, 'peer left');
    assert.deepEqual(link.consents, [{ step: 'requested' }]);
  });
});
