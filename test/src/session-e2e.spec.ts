import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@ra/kernel/testing';
import type { Xvfb } from '@ra/test-kit';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { canvasRegion, snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { TwoRoles } from './e2e/roles.js';
import { RA_BIN } from './fixtures.js';
import { differingPixels, xScreenshot } from './e2e/xwd.js';

/** Screen updates travel asynchronously: retries `check` for up to 10 s. */
const settle = (check: () => Promise<boolean>) => until(check, 10_000, 'the helper canvas did not settle', 100);

const run = promisify(execFile);
const PASSWORD = 'blue-lantern-42';
/** Inside the xterm that startXvfb opens at (40, 40), 80×24 characters. */
const XTERM_REGION = { x: 40, y: 40, width: 480, height: 300 };

describe('end to end: an invitation, a password, consent and a live View Only screen', function () {
  this.timeout(120_000);
  let desktop: Xvfb;
  let novice: RaProcess;
  let helper: RaProcess;
  let novicePage: Page;
  let helperPage: Page;
  let folder: string;
  let invitationPath: string;

  let roles: TwoRoles;

  before(async () => {
    roles = await TwoRoles.start('session', { ports: [24561, 24562], screen: { width: 1024, height: 768, xterm: true } });
    ({ desktop, novice, helper, novicePage, helperPage, folder } = roles);
  });

  after(() => roles?.stop());

  async function sessionState(page: Page): Promise<string> {
    return (await page.locator('#ra-session-state').textContent()) ?? '';
  }

  it('lets the novice save a password-protected invitation from the home page', async () => {
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.getByLabel('Your name').fill('Nora Novice');
    await form.getByLabel(/Message for your helper/).fill('My printer does not print');
    await form.getByLabel(/^Password/).fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    invitationPath = join(folder, 'RAInvitation.msrcincident');
    await form.getByLabel(/Save to/).fill(invitationPath);
    await snap(novicePage, '01-novice-invite-form');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    await novicePage.locator('#ra-invite-done').waitFor();
    const text = await readFile(invitationPath, 'utf8');
    assert.match(text, /<UPLOADINFO TYPE="Escalated">/);
    assert.ok(!text.includes(PASSWORD), 'the password is not in the invitation');
    assert.match((await novicePage.locator('#ra-invitations').textContent()) ?? '', /Open/);
    assert.equal(await novicePage.locator('#ra-invitations .ra-delivery').textContent(), `Sent to ${invitationPath}`);
    await snap(novicePage, '02-novice-invitation-saved');
  });

  it('refuses a wrong password and tells the helper how many tries are left', async () => {
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await helperPage.locator('#ra-invitation-file').setInputFiles(invitationPath);
    await helperPage.locator('#ra-password').fill('not-the-password');
    await helperPage.getByLabel(/Your name/).fill('Hank Helper');
    await helperPage.locator('#ra-connect').click();
    await helperPage.locator('#ra-ended').waitFor();
    assert.match((await helperPage.locator('#ra-ended').textContent()) ?? '', /wrong password; 4 tries left/);
    await snap(helperPage, '03-helper-wrong-password');
  });

  it('connects with the right password once the novice accepts, with matching safety codes', async () => {
    await helperPage.locator('#ra-dismiss').click();
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await helperPage.locator('#ra-invitation-file').setInputFiles(invitationPath);
    await helperPage.locator('#ra-password').fill(PASSWORD);
    await helperPage.getByLabel(/Your name/).fill('Hank Helper');
    await helperPage.locator('#ra-connect').click();
    const dialog = novicePage.getByRole('dialog');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /“Hank Helper” wants to connect to your computer/);
    assert.match((await novicePage.locator('#ra-consent-address').textContent()) ?? '', /^127\.0\.0\.1:\d+$/);
    await snap(novicePage, '04-novice-consent');
    const noviceCode = await novicePage.locator('#ra-consent-code').textContent();
    await helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent?.includes('Waiting'));
    assert.equal(await helperPage.locator('#ra-safety-code').textContent(), noviceCode);
    assert.match(noviceCode ?? '', /^\d{3} \d{3}$/);
    assert.equal(await helperPage.locator('canvas#ra-screen').count(), 0, 'nothing of the screen before Accept');
    await novicePage.locator('#ra-accept').click();
    await helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected');
    assert.equal(await sessionState(helperPage), 'Connected');
    await novicePage.locator('.ra-person[data-rights="view"]').waitFor();
    assert.match((await novicePage.locator('.ra-person').textContent()) ?? '', /Hank Helper\s*Sees your screen/);
    // Both say how the computers are connected, beside the safety code.
    assert.equal(await helperPage.locator('#ra-session-path').textContent(), 'Direct connection');
    assert.equal(await novicePage.locator('.ra-person-path').textContent(), 'Direct connection');
  });

  it("shows the novice's real X screen on the helper's canvas, pixel for pixel", async () => {
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await settle(async () => differingPixels(await xScreenshot(desktop.display), await canvasRegion(helperPage, XTERM_REGION), XTERM_REGION) === 0);
    await snap(helperPage, '05-helper-view-only');
  });

  it('shows text typed into the xterm with xdotool on the helper canvas', async () => {
    const before = await canvasRegion(helperPage, XTERM_REGION);
    await run('xdotool', ['mousemove', '100', '100'], { env: { ...process.env, DISPLAY: desktop.display } });
    await run('xdotool', ['type', '--delay', '0', 'echo hello-from-the-novice'], { env: { ...process.env, DISPLAY: desktop.display } });
    await settle(async () => Buffer.compare(Buffer.from(before), Buffer.from(await canvasRegion(helperPage, XTERM_REGION))) !== 0);
    await settle(async () => differingPixels(await xScreenshot(desktop.display), await canvasRegion(helperPage, XTERM_REGION), XTERM_REGION) === 0);
    await snap(helperPage, '06-helper-sees-typing');
  });

  it('switches between Actual size and Scale to window', async () => {
    await helperPage.getByRole('button', { name: 'Scale to window' }).click();
    const scaled = await helperPage.locator('canvas#ra-screen').boundingBox();
    await snap(helperPage, '07-helper-scaled');
    await helperPage.getByRole('button', { name: 'Actual size' }).click();
    const actual = await helperPage.locator('canvas#ra-screen').boundingBox();
    assert.equal(Math.round(actual!.width), 1024);
    assert.ok(scaled!.width !== actual!.width || scaled!.height !== actual!.height);
  });

  it('lets the helper disconnect, and the novice sees who ended it', async () => {
    await helperPage.locator('#ra-disconnect').click();
    await novicePage.locator('.ra-ended').waitFor();
    assert.match((await novicePage.locator('.ra-ended').textContent()) ?? '', /Hank Helper \(the helper\) ended the session/);
    assert.match((await helperPage.locator('#ra-ended').textContent()) ?? '', /You ended the session/);
    await snap(novicePage, '08-novice-sees-helper-left');
  });

  it('lets the novice disconnect, and the helper sees who ended it', async () => {
    const opened = await helper.api<{ id: string }>('POST', '/api/sessions/open', {
      invitation: await readFile(invitationPath, 'utf8'),
      password: PASSWORD,
      helperName: 'Hank Helper',
    });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    await novicePage.locator('#ra-accept').click();
    await helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected');
    await novicePage.getByRole('button', { name: 'Disconnect Hank Helper' }).click();
    await helperPage.waitForFunction(() => /Nora Novice \(the novice\) ended the session/.test(document.querySelector('#ra-ended')?.textContent ?? ''));
    await snap(helperPage, '09-helper-sees-novice-left');
  });

  it('refuses an expired, a deleted and a tampered invitation', async () => {
    const text = await readFile(invitationPath, 'utf8');
    const tampered = text.replace('My printer does not print', 'My printer does not prinT');
    const refusedTampered = await helper.api<{ error: string }>('POST', '/api/sessions/open', { invitation: tampered, password: PASSWORD });
    assert.equal(refusedTampered.status, 400);
    assert.match(refusedTampered.body.error, /changed after it was made|signature/i);

    const ticket = (await novice.api<{ invitationId: string }[]>('GET', '/api/invitations')).body[0].invitationId;
    // Another open invitation keeps the novice listening, so the helper hears why this one is refused.
    const other = await novice.api<{ invitation: { invitationId: string } }>('POST', '/api/invitations', {
      via: 'file',
      target: join(folder, 'other.msrcincident'),
      noPassword: true,
    });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    assert.equal((await novice.api('POST', `/api/invitations/${ticket}/expire`)).status, 200);
    assert.match(await endReason(helper, text), /this invitation ended just now; ask for a new one/);
    assert.equal((await novice.api('DELETE', `/api/invitations/${ticket}`)).status, 200);
    assert.match(await endReason(helper, text), /this invitation was deleted/);
    // With no invitation open, nothing listens: there is nothing to flood.
    assert.equal((await novice.api('DELETE', `/api/invitations/${other.body.invitation.invitationId}`)).status, 200);
    assert.match(await endReason(helper, text), /nothing is listening there: RA on that computer is not running, or has no open invitation/);
  });

  it('saves the first full frame as a PNG with a headless helper (ra snapshot)', async () => {
    const made = await novice.api<{ invitation: { invitationId: string } }>('POST', '/api/invitations', {
      via: 'file',
      target: join(folder, 'snap.msrcincident'),
      password: PASSWORD,
      name: 'Nora Novice',
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const home = await mkdtemp(join(tmpdir(), 'ra-e2e-snapshot-'));
    const out = join(folder, 'snapshot.png');
    const env = { ...process.env, RA_HOME: home, RA_POLICY: join(home, 'none.json'), RA_OPS_KEY: join(home, 'none.pub'), RA_PLUGIN_PATH: '', RA_PORT: '24563' };
    await writeFile(join(home, 'password'), PASSWORD);
    const cli = promisify(execFile)(
      process.execPath,
      [RA_BIN, 'snapshot', join(folder, 'snap.msrcincident'), '--password-file', join(home, 'password'), '--out', out],
      {
        env,
      },
    );
    try {
      for (let i = 0; i < 100 && !(await novicePage.locator('#ra-accept').isVisible()); i++) await new Promise((r) => setTimeout(r, 100));
      await novicePage.locator('#ra-accept').click();
      await cli;
      const png = PNG.sync.read(await readFile(out));
      const screen = await xScreenshot(desktop.display);
      assert.deepEqual([png.width, png.height], [screen.width, screen.height]);
      const region = new Uint8Array(XTERM_REGION.width * XTERM_REGION.height * 4);
      for (let y = 0; y < XTERM_REGION.height; y++) {
        const from = ((XTERM_REGION.y + y) * png.width + XTERM_REGION.x) * 4;
        region.set(png.data.subarray(from, from + XTERM_REGION.width * 4), y * XTERM_REGION.width * 4);
      }
      assert.equal(differingPixels(screen, region, XTERM_REGION), 0);
      await until(
        async () => !(await novice.api<{ state: string }[]>('GET', '/api/sessions')).body.some((s) => s.state !== 'ended'),
        10_000,
        'the snapshot session did not end',
        100,
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses a computer with another key at the invitation address (MITM)', async () => {
    const made = await novice.api<{ invitation: { invitationId: string } }>('POST', '/api/invitations', {
      via: 'file',
      target: join(folder, 'second.msrcincident'),
      password: PASSWORD,
      name: 'Nora Novice',
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const text = await readFile(join(folder, 'second.msrcincident'), 'utf8');
    await novice.stop(true);
    const impostor = await RaProcess.start('impostor', { port: novice.port });
    try {
      // It listens only once it has an invitation open.
      assert.equal(
        (await impostor.api('POST', '/api/invitations', { via: 'file', target: join(folder, 'impostor.msrcincident'), noPassword: true })).status,
        200,
      );
      assert.match(await endReason(helper, text), /not the one that made this invitation/);
    } finally {
      await impostor.stop();
      novice = await roles.restartNovice({});
    }
  });
});

/** Opens `text` on the helper and waits for its session to end; returns why. */
async function endReason(helper: RaProcess, text: string): Promise<string> {
  const opened = await helper.api<{ id: string }>('POST', '/api/sessions/open', { invitation: text, password: PASSWORD });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  for (let i = 0; i < 100; i++) {
    const sessions = (await helper.api<{ id: string; state: string; reason?: string }[]>('GET', '/api/sessions')).body;
    const session = sessions.find((s) => s.id === opened.body.id);
    if (session?.state === 'ended') return session.reason ?? '';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the session did not end within 10 s');
}
