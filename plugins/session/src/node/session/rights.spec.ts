import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelLink, DesktopIndicator, IndicatorActions, IndicatorHelper, SessionChannel } from '../../common/api.js';
import { quietLogger } from '@ra/kernel/testing';
import { driveIndicators } from '../indicator.js';
import { NoviceIdentity } from '../invitation/identity.js';
import { eventually, SessionPair } from './testing/pair.js';

/** A control-like channel: the novice's end grants on the peer's "ask" and hears a revoke. */
function grantingChannel(revoked: string[]): SessionChannel {
  return {
    id: 'grant',
    title: 'Grant',
    consentScope: 'control',
    maxFrameBytes: 1024,
    open: (session, link: ChannelLink) => ({
      receive: (p) => session.role === 'novice' && p === 'ask' && link.consent('granted'),
      revoke: (reason) => {
        revoked.push(reason);
        link.consent('revoked', reason);
      },
      dispose() {},
    }),
  };
}

describe('what each helper may do: rights, taking one back, and the desktop indicator', function () {
  this.timeout(20_000);
  let home: string;
  let identity: NoviceIdentity;
  let pair: SessionPair;
  const revoked: string[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-rights-'));
    identity = await NoviceIdentity.open(home);
  });
  after(() => rm(home, { recursive: true, force: true }));
  beforeEach(async () => {
    revoked.length = 0;
    pair = await SessionPair.start(home, identity, { channels: [grantingChannel(revoked)] });
  });
  afterEach(() => pair.stop());

  const noviceView = () => pair.novice.list().find((s) => s.state === 'open')!;

  it('lists view once accepted, a granted scope while it lasts, and lets only the novice take it back', async () => {
    const helper = await pair.connected();
    assert.deepEqual(noviceView().rights, ['view']);
    await assert.rejects(async () => pair.novice.revoke(noviceView().id, 'control'), /Hank has no 'control' to take back/);
    helper.post('grant', 'ask');
    await eventually(() => noviceView().rights.includes('control'), 'control granted');
    assert.throws(() => pair.helper.revoke(helper.id, 'control'), /only the novice can take back a right/);
    pair.novice.revoke(noviceView().id, 'control');
    assert.deepEqual(revoked, ['Nora took it back']);
    assert.deepEqual(noviceView().rights, ['view']);
  });

  it('drives every indicator with the helpers who are in and their rights, hides it when they leave, and presses its buttons', async () => {
    const shown: IndicatorHelper[][] = [];
    let buttons: IndicatorActions | undefined;
    const indicator: DesktopIndicator = {
      id: 'test',
      show: async (helpers, actions) => {
        shown.push([...helpers]);
        buttons = actions;
      },
    };
    const broken: DesktopIndicator = { id: 'broken', show: () => Promise.reject(new Error('no display')) };
    const driving = driveIndicators(pair.novice, () => [indicator, broken], quietLogger);
    try {
      const helper = await pair.connected();
      await eventually(() => shown.at(-1)?.[0]?.name === 'Hank', 'Hank shown');
      helper.post('grant', 'ask');
      await eventually(() => shown.at(-1)?.[0]?.rights.includes('control') === true, 'control shown');
      buttons!.stopControl(noviceView().id);
      await eventually(() => shown.at(-1)?.[0]?.rights.join() === 'view', 'control gone after Stop Control');
      buttons!.disconnect(noviceView().id);
      await eventually(() => shown.at(-1)?.length === 0, 'hidden once Hank is gone');
      await eventually(() => helper.current === 'ended', "the helper's side ended too");
    } finally {
      driving.dispose();
    }
  });

  it('shows the helpers on an indicator that came after they connected, and on one that failed before', async () => {
    const indicators: DesktopIndicator[] = [];
    const driving = driveIndicators(pair.novice, () => indicators, quietLogger);
    try {
      await pair.connected();
      // ra.x11 enabled, or restarted, while Hank is connected; the other's display was not there the first time.
      const late: string[][] = [];
      indicators.push({ id: 'late', show: async (helpers) => void late.push(helpers.map((h) => h.name)) });
      let failures = 1;
      const flaky: string[][] = [];
      indicators.push({
        id: 'flaky',
        show: async (helpers) => {
          if (failures-- > 0) throw new Error('cannot open display');
          flaky.push(helpers.map((h) => h.name));
        },
      });
      await eventually(() => late.at(-1)?.[0] === 'Hank', 'Hank on the late indicator');
      await eventually(() => flaky.at(-1)?.[0] === 'Hank', 'Hank on the indicator that failed once');
    } finally {
      driving.dispose();
    }
  });
});
