import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { REPO } from './fixtures.js';

const PASSWORD = 'amber-gate-9';
const PORTS = [24657, 24658] as const;

/** Whether anything accepts a TCP connection on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('end to end: the Settings page under a signed policy, and invitations done right', function () {
  this.timeout(120_000);
  let folder: string;
  let home: string;
  let novice: RaProcess;
  let helper: RaProcess;
  let browser: Browser;
  let novicePage: Page;
  let helperPage: Page;
  let downloaded: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-e2e-settings-'));
    // The novice's own home folder: where the file transport saves by default, its Desktop.
    home = join(folder, 'home');
    await mkdir(join(home, 'Desktop'), { recursive: true });
    const { publicPem, privatePem } = generateOpsKeyPair();
    const policy = Buffer.from(JSON.stringify({ solicited: { allowControl: false, maxLifetime: '6h' } }));
    await writeFile(join(folder, 'policy.json'), policy);
    await writeFile(join(folder, 'policy.json.sig'), signDetached(privatePem, policy));
    await writeFile(join(folder, 'ops-key.pub'), publicPem);
    novice = await RaProcess.start('settings-novice', {
      port: PORTS[0],
      pluginPath: join(REPO, 'examples', 'folder-transport'),
      env: { RA_POLICY: join(folder, 'policy.json'), RA_OPS_KEY: join(folder, 'ops-key.pub'), HOME: home },
    });
    helper = await RaProcess.start('settings-helper', { port: PORTS[1] });
    browser = await launchChromium();
    novicePage = await browser.newPage({ viewport: { width: 1100, height: 1000 }, acceptDownloads: true });
    helperPage = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await novicePage.goto(novice.url);
    await helperPage.goto(helper.url);
  });

  after(async () => {
    await browser?.close();
    await helper?.stop();
    await novice?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const row = (id: string) => novicePage.locator(`[data-setting-row="${id}"]`);

  it('draws every plugin’s settings from its schema, third parties’ too, with what the policy fixes locked', async () => {
    await novicePage.locator('#ra-settings-link').click();
    await row('ra.control.allowControl').waitFor();
    assert.match((await row('ra.control.allowControl').textContent()) ?? '', /Allow this computer to be controlled remotely.*set by your organization/);
    assert.equal(await row('ra.control.allowControl').locator('input').isDisabled(), true);
    assert.equal(await row('ra.control.allowControl').locator('input').isChecked(), false);
    assert.match((await row('ra.session.allowed').textContent()) ?? '', /Allow Remote Assistance on this computer/);
    assert.equal(await row('ra.session.allowed').locator('input').isDisabled(), false);
    assert.match((await row('ra.session.maxLifetime').textContent()) ?? '', /The longest time an invitation stays open.*At most 6h, set by your organization/);
    assert.equal(await row('ra.session.maxLifetime').locator('input').inputValue(), '6h');
    assert.match((await row('ra.session.listenOnlyWhileInvited').textContent()) ?? '', /Listen for helpers only while an invitation is open/);
    assert.equal(await row('ra.session.listenOnlyWhileInvited').locator('input').isChecked(), true, 'on by default');
    assert.match((await novicePage.locator('#ra-settings').textContent()) ?? '', /Invitations folder \(example\)/);
    await row('example.folder.folder').waitFor();
    await snap(novicePage, 'settings-01-page-with-policy');
  });

  it('refuses what the policy caps, naming it, and applies a change live without losing the page', async () => {
    const lifetime = row('ra.session.maxLifetime').locator('input');
    await lifetime.fill('2d');
    await lifetime.dispatchEvent('change');
    await row('ra.session.maxLifetime').getByRole('alert').waitFor();
    assert.match((await row('ra.session.maxLifetime').getByRole('alert').textContent()) ?? '', /may be at most 6h, set by your organization/);
    await lifetime.fill('2h');
    await lifetime.dispatchEvent('change');
    await row('ra.session.maxLifetime').getByRole('status').waitFor();

    assert.equal(await listening(PORTS[0]), false, 'with no invitation open nothing listens');
    await row('ra.session.listenOnlyWhileInvited').locator('input').uncheck();
    await row('ra.session.listenOnlyWhileInvited').getByText('Saved: off.').waitFor();
    for (let i = 0; i < 50 && !(await listening(PORTS[0])); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await listening(PORTS[0]), true, 'now it waits for helpers all the time');
    await row('ra.session.listenOnlyWhileInvited').locator('input').check();
    await row('ra.session.listenOnlyWhileInvited').getByText('Saved: on.').waitFor();
    await new Promise((r) => setTimeout(r, 1000));
    assert.doesNotMatch((await novicePage.locator('main').textContent()) ?? '', /Lost contact with RA/, 'ra.session heard the change instead of restarting');
    await snap(novicePage, 'settings-02-changes-applied');
  });

  it('offers only lifetimes within the caps, fills in the folder, asks to confirm no password, and downloads through the browser', async () => {
    await novicePage.getByRole('button', { name: 'Back' }).click();
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.locator('#ra-expires option').nth(2).waitFor({ state: 'attached' });
    assert.deepEqual(await form.locator('#ra-expires option').allTextContents(), ['30 minutes', '1 hour', '2 hours']);
    assert.match((await form.locator('#ra-expires-cap').textContent()) ?? '', /At most 2 hours, as your settings say/);
    assert.equal(await form.locator('#ra-target').inputValue(), join(home, 'Desktop'), 'the default folder, shown filled in');
    await form.getByLabel('Your name').fill('Nora');
    await form.getByLabel(/Message for your helper/).fill('The printer again');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    assert.match((await form.getByRole('alert').textContent()) ?? '', /Choose a password, or tick “No password”/);
    await form.getByLabel(/^Password/).fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    await form.locator('#ra-via').selectOption('download');
    assert.equal(await form.locator('#ra-target').isVisible(), false, 'a download needs no path');
    await snap(novicePage, 'settings-03-invite-form');
    const download = novicePage.waitForEvent('download');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    downloaded = join(folder, 'downloaded.msrcincident');
    await (await download).saveAs(downloaded);
    assert.match(await readFile(downloaded, 'utf8'), /<UPLOADINFO TYPE="Escalated">/);
    assert.match((await novicePage.locator('#ra-invite-done').textContent()) ?? '', /downloaded as RAInvitation\.msrcincident/);
  });

  it('shows the helper who invited them, their message and until when, before any password', async () => {
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    assert.equal(await helperPage.locator('#ra-connect').isDisabled(), true);
    await helperPage.locator('#ra-invitation-file').setInputFiles(downloaded);
    await helperPage.locator('#ra-preview-card').waitFor();
    assert.equal(await helperPage.locator('#ra-preview-name').textContent(), '“Nora”');
    assert.equal(await helperPage.locator('#ra-preview-message').textContent(), 'The printer again');
    const expiry = (await helperPage.locator('#ra-preview-expiry').textContent()) ?? '';
    assert.match(expiry, /^It is open until /);
    assert.doesNotMatch(expiry, /\d{4}-\d\d-\d\dT|Z\b|UTC/, 'local and readable');
    assert.equal(await helperPage.locator('#ra-password').inputValue(), '');
    await snap(helperPage, 'settings-04-helper-preview');
  });

  it('tells the novice of a wrong password as it happens, and the helper that the computer refused it', async () => {
    await helperPage.locator('#ra-password').fill('not-it');
    await helperPage.getByLabel(/Your name/).fill('Hank');
    await helperPage.locator('#ra-connect').click();
    await helperPage.locator('#ra-ended').waitFor();
    const told = (await helperPage.locator('#ra-ended').textContent()) ?? '';
    assert.match(told, /Nora's computer refused the connection: wrong password; 4 tries left/);
    assert.doesNotMatch(told, /ended the session/);
    await novicePage.locator('#ra-wrong-password').waitFor();
    assert.match((await novicePage.locator('#ra-wrong-password').textContent()) ?? '', /Someone tried a wrong password .*: 4 tries left before it locks/);
    await snap(novicePage, 'settings-05-novice-told-of-wrong-password');
    await snap(helperPage, 'settings-06-helper-refused');
  });

  it('saves to the default folder without typing a path, and a deleted row goes away', async () => {
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.locator('#ra-via option').nth(1).waitFor({ state: 'attached' });
    await form.locator('#ra-via').selectOption('file');
    await form.locator('#ra-no-password').check();
    await form.getByRole('button', { name: 'Create invitation' }).click();
    await novicePage.locator('#ra-invite-done').waitFor();
    assert.match((await novicePage.locator('#ra-invite-done').textContent()) ?? '', /It has no password/);
    assert.match(await readFile(join(home, 'Desktop', 'RAInvitation.msrcincident'), 'utf8'), /<UPLOADINFO/);
    const rows = novicePage.locator('#ra-invitations tbody tr');
    assert.equal(await rows.count(), 2);
    await rows.first().getByRole('button', { name: 'Delete' }).click();
    await novicePage.waitForFunction(() => document.querySelectorAll('#ra-invitations tbody tr').length === 1);
    await snap(novicePage, 'settings-07-deleted-row-gone');
  });
});
