import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { Workspace } from './fixtures.js';
import { PATHS_MANIFEST, PATHS_PLUGIN } from './paths-plugin.js';

const PASSWORD = 'amber-bridge-9';

/**
 * A novice whose policy forces the relay, a helper, and a third party's relayed route and contact transport
 * (./paths-plugin.ts): the invite form's contact picker, each delivery step live in the novice's list, both
 * consoles saying the session is relayed, and End invitation withdrawing it.
 */
describe('end to end: a relayed path and a transport that reports each step', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let novice: RaProcess;
  let helper: RaProcess;
  let browser: Browser;
  let novicePage: Page;
  let helperPage: Page;
  let invitationId: string;

  before(async () => {
    ws = await Workspace.create();
    await ws.plugin('test.paths', PATHS_MANIFEST, PATHS_PLUGIN);
    await ws.signedPolicy({ network: { relay: 'force' } });
    novice = await RaProcess.start('paths-novice', { port: 24621, pluginPath: ws.plugins, env: { RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath } });
    helper = await RaProcess.start('paths-helper', { port: 24622, pluginPath: ws.plugins });
    browser = await launchChromium();
    novicePage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    helperPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await novicePage.goto(novice.url);
    await helperPage.goto(helper.url);
  });
  after(async () => {
    await browser?.close();
    await helper?.stop();
    await novice?.stop();
    await ws?.remove();
  });

  const row = () => novicePage.locator(`#ra-invitations tr[data-invitation="${invitationId}"]`);
  const delivery = () => row().locator('.ra-delivery');

  it('offers the transport’s contacts in a picker, those offline disabled with the note', async () => {
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.getByLabel('Your name').fill('Nora Novice');
    await form.getByLabel(/^Password/).fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    await form.locator('#ra-via').selectOption('post');
    const picker = form.locator('#ra-target-picker');
    await picker.locator('option').nth(1).waitFor({ state: 'attached' });
    assert.deepEqual(await picker.locator('option').allTextContents(), ['Hank Helper', 'Olga (offline)']);
    assert.equal(await picker.locator('option[value="olga"]').isDisabled(), true);
    assert.equal(await form.locator('#ra-target').isHidden(), true, 'the picker stands in for the text field');
    await snap(novicePage, 'paths-01-novice-picks-a-contact');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    assert.match((await novicePage.locator('#ra-invite-done').textContent()) ?? '', /^Sent to hank\. It expires/);
    invitationId = (await novice.api<{ invitationId: string }[]>('GET', '/api/invitations')).body[0].invitationId;
    assert.equal(await delivery().textContent(), 'Sent to hank');
  });

  it('shows each step the transport reports, as it happens', async () => {
    for (const [state, text] of [
      ['delivered', 'Delivered to hank'],
      ['accepted', 'Hank accepted'],
    ]) {
      assert.equal((await novice.api('POST', `/api/test-paths/${invitationId}/${state}`)).status, 200);
      await delivery().filter({ hasText: text }).waitFor();
    }
    await snap(novicePage, 'paths-02-novice-sees-hank-accepted');
  });

  it('connects over the relayed path, and both consoles say so beside the safety code', async () => {
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await helperPage.locator('#ra-invitation-file').setInputFiles(join(ws.plugins, 'test.paths', 'outbox', 'hank.msrcincident'));
    await helperPage.locator('#ra-password').fill(PASSWORD);
    await helperPage.getByLabel(/Your name/).fill('Hank Helper');
    await helperPage.locator('#ra-connect').click();
    await novicePage.getByRole('dialog').waitFor();
    assert.match((await novicePage.getByRole('dialog').textContent()) ?? '', /They connect through the relay loop\.test\./);
    await novicePage.locator('#ra-accept').click();
    await helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected');
    assert.equal(await helperPage.locator('#ra-session-path').textContent(), 'Relayed through loop.test');
    assert.equal(await novicePage.locator('.ra-person .ra-person-path').textContent(), 'Relayed through loop.test');
    const sessions = (await helper.api<{ path?: { kind: string } }[]>('GET', '/api/sessions')).body;
    assert.equal(sessions[0].path?.kind, 'relayed');
    await snap(helperPage, 'paths-03-helper-relayed');
    await snap(novicePage, 'paths-04-novice-relayed');
  });

  it('End invitation withdraws it through the transport: the list says cancelled', async () => {
    await row().getByRole('button', { name: 'End invitation' }).click();
    await delivery().filter({ hasText: 'Cancelled for hank' }).waitFor();
    assert.match((await row().textContent()) ?? '', /Expired/);
    await snap(novicePage, 'paths-05-novice-ended-the-invitation');
  });
});
