import assert from 'node:assert/strict';
import { failingChecks } from '@ra/kernel/testing';
import type { ChannelEndpoint, ChannelLink, MediaChannel, SessionInfo } from '../common/api.js';
import { describeMediaChannelContract, mediaChannelContract } from './media-contract.js';

interface Flaws {
  /** Passes its page's audio on at once: no Yes asked. */
  eager?: boolean;
  /** Plays whatever the peer sends. */
  playsAll?: boolean;
  reliable?: boolean;
  noPage?: boolean;
}

/** An intercom: audio flows only after the page says "yes"; until then page and peer audio are dropped. */
class Intercom implements MediaChannel {
  readonly id = 'intercom';
  readonly title = 'Intercom';
  readonly maxFrameBytes = 1500;
  readonly consentScope = 'intercom';
  readonly delivery: 'live';

  constructor(private readonly flaws: Flaws = {}) {
    this.delivery = (flaws.reliable ? 'reliable' : 'live') as 'live';
  }

  open(_session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    let yes = false;
    const fromPage = (p: Uint8Array | string) => {
      if (p === 'yes') yes = true;
      else if (typeof p !== 'string' && (yes || this.flaws.eager)) link.send(p);
    };
    return {
      receive: (p) => typeof p !== 'string' && (yes || this.flaws.playsAll) && link.toPage(p),
      ...(this.flaws.noPage ? {} : { fromPage }),
      dispose: () => undefined,
    };
  }
}

const LIVE = 'declares live delivery and the consent scope its Yes grants';
const SMALL = 'keeps its frames small';
const BEFORE = 'sends no media before its Yes, whatever its page or the peer sends';
const PAGE = 'takes page frames itself (fromPage), so it decides what goes out';

describeMediaChannelContract('an intercom', async () => ({ channel: new Intercom() }));

describe('MediaChannel contract', () => {
  const cases: { what: string; flaws: Flaws; fails: string[] }[] = [
    { what: "sends its page's audio before any Yes", flaws: { eager: true }, fails: [BEFORE] },
    { what: "plays the peer's audio before any Yes", flaws: { playsAll: true }, fails: [BEFORE] },
    { what: 'reliable delivery', flaws: { reliable: true }, fails: [LIVE] },
    { what: 'no fromPage', flaws: { noPage: true }, fails: [PAGE] },
  ];
  for (const c of cases) {
    it(`fail a media channel that has ${c.what}`, async () => {
      assert.deepEqual(await failingChecks(mediaChannelContract, async () => ({ channel: new Intercom(c.flaws) })), c.fails);
    });
  }

  it('fail a media channel with frames too big for live delivery, or no consent scope', async () => {
    const big = Object.assign(new Intercom(), { maxFrameBytes: 1024 * 1024 });
    assert.deepEqual(await failingChecks(mediaChannelContract, async () => ({ channel: big })), [SMALL]);
    const unscoped = Object.assign(new Intercom(), { consentScope: '' });
    assert.deepEqual(await failingChecks(mediaChannelContract, async () => ({ channel: unscoped })), [LIVE]);
  });
});
