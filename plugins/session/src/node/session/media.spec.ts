import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelLink, SessionChannel } from '../../common/api.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { eventually, SessionPair } from './testing/pair.js';

type Side = 'novice' | 'helper';

/** A media frame: binary, as audio is. */
const media = (text: string) => new TextEncoder().encode(text);

/** A media channel whose endpoints keep what the peer and their page sent; and a reliable one beside it. */
function channels() {
  const links: Partial<Record<Side, ChannelLink>> = {};
  const heard = { novice: [] as string[], helper: [] as string[] };
  const fromPage = { novice: [] as string[], helper: [] as string[] };
  const lines = { novice: [] as string[], helper: [] as string[] };
  const media: SessionChannel = {
    id: 'voice',
    title: 'Voice',
    maxFrameBytes: 512,
    consentScope: 'voice',
    delivery: 'live',
    open: (session, link) => {
      links[session.role] = link;
      return {
        receive: (p) => void heard[session.role].push(typeof p === 'string' ? p : new TextDecoder().decode(p)),
        fromPage: (p) => void fromPage[session.role].push(String(p)),
        dispose: () => undefined,
      };
    },
  };
  const reliable: SessionChannel = {
    id: 'talk',
    title: 'Talk',
    maxFrameBytes: 512,
    open: (session) => ({ receive: (p) => void lines[session.role].push(String(p)), dispose: () => undefined }),
  };
  return { links, heard, fromPage, lines, channels: [media, reliable] };
}

/** What each side's pages were handed, per channel. */
function pages(pair: SessionPair): Record<Side, string[]> {
  const got = { novice: [] as string[], helper: [] as string[] };
  for (const side of ['novice', 'helper'] as const)
    pair[side].subscribe({ changed: () => undefined, frame: (_, channel, p) => void got[side].push(`${channel}:${String(p)}`) });
  return got;
}

describe('session: media channels (delivery live)', function () {
  this.timeout(30_000);
  let identity: NoviceIdentity;
  let pair: SessionPair | undefined;

  before(async () => {
    identity = await NoviceIdentity.open(await mkdtemp(join(tmpdir(), 'ra-media-')));
  });
  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  });

  it("carries frames to the peer's endpoint and never to its page; the endpoint alone hands its page what it may hear", async () => {
    const c = channels();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-media-')), identity, { channels: c.channels });
    const seen = pages(pair);
    await pair.connected();
    c.links.helper!.send('h1');
    c.links.novice!.send('n1');
    await eventually(() => c.heard.novice.length === 1 && c.heard.helper.length === 1, 'both endpoints hear the other');
    assert.deepEqual([c.heard.novice, c.heard.helper], [['h1'], ['n1']]);
    c.links.novice!.toPage('for the page');
    assert.deepEqual(seen.novice, ['voice:for the page']);
    assert.deepEqual(seen.helper, [], 'nothing of the media channel reached the page by itself');
  });

  it("hands the page's frames to the endpoint, not to the peer", async () => {
    const c = channels();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-media-')), identity, { channels: c.channels });
    const helper = await pair.connected();
    helper.post('voice', 'from the page');
    helper.post('talk', 'a line');
    await eventually(() => c.lines.novice.length === 1, 'the reliable line arrives');
    assert.deepEqual(c.fromPage.helper, ['from the page']);
    assert.deepEqual(c.heard.novice, [], 'the page cannot talk past its endpoint');
  });

  it('drops media sent while the path is down; a resume brings back every text frame once, its own included, and no media', async () => {
    const c = channels();
    pair = await SessionPair.start(await mkdtemp(join(tmpdir(), 'ra-media-')), identity, { channels: c.channels });
    const helper = await pair.connected();
    // Media and reliable frames interleaved: media frames are not counted, so acknowledgements stay right.
    for (let i = 1; i <= 20; i++) {
      c.links.helper!.send(media(`m${i}`));
      helper.post('talk', `t${i}`);
    }
    await eventually(() => c.lines.novice.length === 20 && c.heard.novice.length === 20, 'all 40 arrive');
    pair.deafen();
    pair.cut();
    await eventually(() => helper.view().reconnecting !== undefined, 'the helper notices the cut');
    for (let i = 21; i <= 30; i++) {
      c.links.helper!.send(media(`m${i}`));
      helper.post('talk', `t${i}`);
    }
    c.links.helper!.send('stop talking');
    await pair.listen();
    await eventually(() => c.lines.novice.length === 30, 'the reliable lines sent during the outage arrive after the resume', 10_000);
    c.links.helper!.send(media('m31'));
    await eventually(() => c.heard.novice.at(-1) === 'm31', 'media flows again after the resume');
    assert.deepEqual(
      c.lines.novice,
      Array.from({ length: 30 }, (_, i) => `t${i + 1}`),
    );
    assert.deepEqual(
      c.heard.novice,
      [...Array.from({ length: 20 }, (_, i) => `m${i + 1}`), 'stop talking', 'm31'],
      "media sent into the outage was dropped, not replayed late; the channel's own text message came through",
    );
  });
});
