import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { snap } from '../e2e/browser.js';
import { skipUnlessLab } from './lab.js';
import { Miniupnpd } from './miniupnpd.js';
import { NOVICE_PORT, Stage } from './stage.js';

const PASSWORD = 'blue-lantern-42';

describe('NAT lab, whole sessions: the novice router opens its port through ra.upnp', function () {
  this.timeout(180_000);
  let stage: Stage | undefined;
  let folder: string;

  before(function () {
    skipUnlessLab(this);
  });
  beforeEach(async () => (folder = await mkdtemp(join(tmpdir(), 'ra-nat-invitation-'))));
  afterEach(async () => {
    await stage?.stop();
    stage = undefined;
    await rm(folder, { recursive: true, force: true });
  });

  for (const [protocol, serve] of [
    ['UPnP', { upnp: true, natpmp: true }],
    ['NAT-PMP', { upnp: false, natpmp: true }],
  ] as const) {
    it(`${protocol}: a helper behind another NAT connects straight to the mapped port, sees the desktop and chats; the mapping goes with the invitation`, async () => {
      let router!: Miniupnpd;
      const s = (stage = new Stage());
      await s.start({
        natA: 'cone',
        natB: 'cone',
        novicePlugins: { 'ra.upnp': { portMapping: true } },
        beforeRa: async (lab) => (router = s.track(await Miniupnpd.start(lab, serve), (r) => r.stop())),
      });
      const { novice, helperPage, lab } = s;
      const mapped = `${lab.noviceSeenAs}:${NOVICE_PORT}`;

      const path = join(folder, 'RAInvitation.msrcincident');
      const started = Date.now();
      const made = await novice.api<{ invitation: { invitationId: string } }>('POST', '/api/invitations', {
        via: 'file',
        target: path,
        password: PASSWORD,
        name: 'Nora Novice',
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      console.log(`      invitation with a ${protocol} mapping made in ${Date.now() - started} ms`);
      assert.ok((await readFile(path, 'utf8')).includes(mapped), `the invitation lists ${mapped}:\n${novice.output().slice(-2000)}`);
      assert.match(await router.redirects(), new RegExp(`dport ${NOVICE_PORT} .*dnat .*10\\.1\\.0\\.2:${NOVICE_PORT}`));

      await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
      await helperPage.locator('#ra-invitation-file').setInputFiles(path);
      await helperPage.locator('#ra-password').fill(PASSWORD);
      await helperPage.getByLabel('Your name, as the other person will see it').fill('Hank Helper');
      await helperPage.locator('#ra-connect').click();
      const sessions = await s.noviceAccepts();
      assert.deepEqual(sessions.helper.path, { kind: 'direct', via: mapped });
      await s.helperSeesDesktop(`nat-${protocol.toLowerCase()}-helper-sees-desktop`);
      await s.chatBothWays(sessions);
      await snap(helperPage, `nat-${protocol.toLowerCase()}-helper-chat`);

      await helperPage.locator('#ra-disconnect').click();
      assert.equal((await novice.api('DELETE', `/api/invitations/${made.body.invitation.invitationId}`)).status, 200);
      await until(async () => !(await router.redirects()).includes(`dport ${NOVICE_PORT}`), 15_000, 'the mapping was not removed with the invitation', 250);
    });
  }

  it('a router with neither UPnP nor NAT-PMP: the invitation is made all the same within seconds, and the log says why', async () => {
    const s = (stage = new Stage());
    await s.start({ natA: 'cone', natB: 'cone', novicePlugins: { 'ra.upnp': { portMapping: true } } });
    const path = join(folder, 'RAInvitation.msrcincident');
    const started = Date.now();
    const made = await s.novice.api('POST', '/api/invitations', { via: 'file', target: path, password: PASSWORD, name: 'Nora Novice' });
    const ms = Date.now() - started;
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.ok(ms < 9_000, `the invitation took ${ms} ms`);
    const text = await readFile(path, 'utf8');
    assert.ok(text.includes(`10.1.0.2:${NOVICE_PORT}`) && !text.includes(s.lab.noviceSeenAs), text);
    assert.match(
      s.novice.output(),
      /could not ask the router to open port 3389 for helpers outside this network \(UPnP: no gateway answered within 2500 ms; NAT-PMP: 10\.1\.0\.1 did not answer within 2500 ms\); the invitation goes on without it/,
    );
  });
});
