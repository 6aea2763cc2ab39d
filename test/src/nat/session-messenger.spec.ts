import assert from 'node:assert/strict';
import { snap } from '../e2e/browser.js';
import { skipUnlessLab, type LabOptions, type NatLab } from './lab.js';
import { LabMessenger } from './messenger.js';
import { Miniupnpd } from './miniupnpd.js';
import { NOVICE_PORT, Stage } from './stage.js';

const PASSWORD = 'cedar-lantern-5';

/**
 * The whole messenger across the lab's NATs: a real `ra messenger serve` in srv, the novice's RA behind natA, the
 * helper's behind natB or on the wan. The novice invites through the messenger, the helper accepts with the
 * password, the novice consents; the session takes the path the NATs allow.
 */
describe('NAT lab, whole sessions through the messenger', function () {
  this.timeout(240_000);
  let stage: Stage | undefined;

  before(function () {
    skipUnlessLab(this);
  });
  afterEach(async () => {
    await stage?.stop();
    stage = undefined;
  });

  /** `upnp`: miniupnpd on natA, and the novice's ra.upnp asks it to map the direct route's port. */
  async function session(name: string, nats: LabOptions, upnp = false) {
    const s = (stage = new Stage());
    let messenger!: LabMessenger;
    const beforeRa = async (lab: NatLab) => {
      messenger = s.track(await LabMessenger.start(lab), (m) => m.stop());
      if (upnp) s.track(await Miniupnpd.start(lab, { upnp: true, natpmp: true }), (r) => r.stop());
    };
    await s.start({ ...nats, beforeRa, novicePlugins: upnp ? { 'ra.upnp': { portMapping: true } } : undefined });
    const { novice, helper, helperPage } = s;
    await messenger.register(novice, 'nora', 'Nora Novice');
    await messenger.register(helper, 'hank', 'Hank Helper');
    await messenger.befriend(novice, 'nora', helper, 'hank');

    const sent = await novice.api('POST', '/api/invitations', {
      via: 'messenger',
      target: 'hank',
      password: PASSWORD,
      name: 'Nora Novice',
      message: 'My printer',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    // The helper answers as a person does: the "would like your help" dialog, the password, Connect.
    await messenger.offer(helper);
    const dialog = helperPage.getByRole('dialog', { name: 'Requests for your help' });
    await dialog.getByRole('heading', { name: 'Nora Novice would like your help' }).waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Accept', exact: true }).click();
    await dialog.getByLabel('Password').fill(PASSWORD);
    const started = Date.now();
    await dialog.getByRole('button', { name: 'Connect' }).click();
    const sessions = await s.noviceAccepts();
    console.log(
      `      ${name}: ${sessions.helper.path?.kind} via ${sessions.helper.path?.via}, open ${Date.now() - started} ms after the helper’s Connect (the novice’s Accept included)`,
    );
    await s.helperSeesDesktop(`nat-messenger-${name}-helper-sees-desktop`);
    await s.chatBothWays(sessions);
    await snap(helperPage, `nat-messenger-${name}-helper-chat`);
    return { sessions, lab: s.lab };
  }

  it('the novice behind a NAT, the helper outside on the wan: a direct path through simultaneous open', async () => {
    const { sessions, lab } = await session('novice-behind-nat', { natA: 'cone', natB: 'none' });
    assert.equal(sessions.helper.path?.kind, 'direct');
    assert.equal(sessions.helper.path?.via.split(':')[0], lab.noviceSeenAs);
    assert.equal(sessions.novice.path?.kind, 'direct');
  });

  it('both behind cone NATs: TCP simultaneous open wins, and both say Direct connection', async () => {
    const { sessions, lab } = await session('cone-cone', { natA: 'cone', natB: 'cone' });
    assert.equal(sessions.helper.path?.kind, 'direct');
    assert.equal(sessions.helper.path?.via.split(':')[0], lab.noviceSeenAs);
    assert.equal(sessions.novice.path?.kind, 'direct');
    assert.equal(sessions.novice.path?.via.split(':')[0], lab.address('natB'));
  });

  it('both behind symmetric NATs: simultaneous open cannot work, the relay carries the session', async () => {
    const { sessions, lab } = await session('symmetric-symmetric', { natA: 'symmetric', natB: 'symmetric' });
    assert.equal(sessions.helper.path?.kind, 'relayed');
    assert.equal(sessions.novice.path?.kind, 'relayed');
    assert.match(sessions.helper.path?.via ?? '', new RegExp(lab.address('srv').replace(/\./g, '\\.')));
  });

  it('both behind symmetric NATs, the novice router maps its port (UPnP): the mapped address in the invitation beats the relay', async () => {
    const { sessions, lab } = await session('symmetric-upnp', { natA: 'symmetric', natB: 'symmetric' }, true);
    assert.deepEqual(sessions.helper.path, { kind: 'direct', via: `${lab.noviceSeenAs}:${NOVICE_PORT}` });
    assert.equal(sessions.novice.path?.kind, 'direct');
  });
});
