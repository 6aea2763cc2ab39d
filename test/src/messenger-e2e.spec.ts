import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@ra/kernel/testing';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';
import { startXvfb, type Xvfb } from '@ra/test-kit';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { RA_BIN } from './fixtures.js';

const run = promisify(execFile);

const SERVER_PORT = 24671;
/** The raw TLS relay listens on the next port. */
const PORTS = { novice: 24673, helper: 24674 } as const;
const SERVER = `127.0.0.1:${SERVER_PORT}`;
const PASSWORD = 'cedar-lantern-5';
const DESKTOP_RGB = 0x336699;
const NORA = { user: 'nora', name: 'Nora Novice', password: 'nora-account-pass-1' };
const HANK = { user: 'hank', name: 'Hank Helper', password: 'hank-account-pass-1' };

/**
 * A real `ra messenger serve`, two real RAs (the novice's on a virtual desktop) whose signed policy forces the relay, and
 * a Chromium page for each: the whole messenger flow as two people would click it.
 */
describe('end to end: the messenger: sign in, contacts, presence, an invitation in real time, and a session through the relay', function () {
  this.timeout(240_000);
  let folder: string;
  let server: ChildProcess;
  let serverOutput = '';
  let fingerprint: string;
  let desktop: Xvfb;
  let novice: RaProcess;
  let helper: RaProcess;
  let browser: Browser;
  let novicePage: Page;
  let helperPage: Page;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-e2e-messenger-'));
    const data = join(folder, 'server');
    server = spawn(process.execPath, [RA_BIN, 'messenger', 'serve', '--host', '127.0.0.1', '--port', String(SERVER_PORT), '--data', data], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => (serverOutput += d));
    server.stderr!.on('data', (d) => (serverOutput += d));
    // Listening, with its fingerprint, or why not (a port in use): never a stranger's server on the same port.
    fingerprint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ra messenger serve did not start within 30 s:\n${serverOutput}`)), 30_000);
      const look = () => {
        const started = new RegExp(`messenger on 127\\.0\\.0\\.1:${SERVER_PORT}, relay port \\d+, fingerprint ([0-9A-F:]{95})`).exec(serverOutput);
        if (!started) return;
        clearTimeout(timer);
        resolve(started[1]);
      };
      server.stdout!.on('data', look);
      server.stderr!.on('data', look);
      server.once('exit', (code) => (clearTimeout(timer), reject(new Error(`ra messenger serve exited with ${code}:\n${serverOutput}`))));
    });
    const { publicPem, privatePem } = generateOpsKeyPair();
    const policy = Buffer.from(JSON.stringify({ network: { relay: 'force' } }));
    await writeFile(join(folder, 'policy.json'), policy);
    await writeFile(join(folder, 'policy.json.sig'), signDetached(privatePem, policy));
    await writeFile(join(folder, 'ops-key.pub'), publicPem);
    const env = { RA_POLICY: join(folder, 'policy.json'), RA_OPS_KEY: join(folder, 'ops-key.pub') };
    desktop = await startXvfb({ width: 1024, height: 768 });
    // A desktop colour that is neither black nor the indicator's, so the helper's picture says it is the desktop.
    await run('xsetroot', ['-solid', '#336699'], { env: desktop.env });
    novice = await RaProcess.start('messenger-novice', { port: PORTS.novice, display: desktop.display, env });
    helper = await RaProcess.start('messenger-helper', { port: PORTS.helper, env });
    browser = await launchChromium();
    novicePage = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    helperPage = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await novicePage.goto(novice.url);
    await helperPage.goto(helper.url);
  });

  afterEach(async function () {
    // What each process said, and both pages, are the only trace of a failure across three processes.
    if (this.currentTest?.state !== 'failed') return;
    await snap(novicePage, 'messenger-failed-novice').catch(() => undefined);
    await snap(helperPage, 'messenger-failed-helper').catch(() => undefined);
    for (const [name, text] of [
      ['server', serverOutput],
      ['novice', novice?.output() ?? ''],
      ['helper', helper?.output() ?? ''],
    ])
      console.log(`--- ${name} ---\n${text.slice(-4000)}`);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await helper?.stop();
    await novice?.stop();
    if (server?.pid && server.exitCode === null) process.kill(server.pid);
    await desktop?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const panel = (page: Page) => page.locator('#ra-messenger');
  const contact = (page: Page, user: string) => panel(page).locator(`.ra-messenger-contact[data-user="${user}"]`);

  /** Fills the panel's sign-in form; `register` makes the account first. */
  async function signIn(page: Page, who: typeof NORA, register: boolean): Promise<void> {
    const form = panel(page).getByRole('form', { name: 'Sign in to a messenger' });
    await form.getByLabel('Server (host:port)').fill(SERVER);
    await form.getByLabel('Server fingerprint').fill(fingerprint);
    await form.getByLabel('User name').fill(who.user);
    await form.getByLabel('Password').fill(who.password);
    if (register) {
      await form.getByLabel('Create an account').check();
      await form.getByLabel('The name your contacts will see').fill(who.name);
    }
    await form.getByRole('button', { name: register ? 'Create the account' : 'Sign in' }).click();
  }

  it('signs both in from their pages, after showing the server’s refusal plainly', async () => {
    await signIn(novicePage, NORA, false);
    const refusal = panel(novicePage).getByRole('alert');
    await refusal.waitFor();
    assert.equal(await refusal.textContent(), 'The user name or the password is wrong.');
    await snap(novicePage, 'messenger-01-novice-sign-in-refused');
    await signIn(novicePage, NORA, true);
    await signIn(helperPage, HANK, true);
    for (const [page, who] of [
      [novicePage, NORA],
      [helperPage, HANK],
    ] as const) {
      await panel(page).locator('#ra-messenger-connection[data-state="connected"]').waitFor();
      assert.equal(await panel(page).locator('#ra-messenger-who').textContent(), `${who.name} (${who.user})`);
    }
    await snap(helperPage, 'messenger-02-helper-signed-in');
  });

  it('the novice adds the helper, the helper accepts, and each sees the other Online', async () => {
    await panel(novicePage).getByRole('textbox', { name: 'Add a contact' }).fill(HANK.user);
    await panel(novicePage).getByRole('button', { name: 'Add', exact: true }).click();
    await contact(novicePage, HANK.user).and(novicePage.locator('[data-relation="asked"]')).waitFor();
    const request = panel(helperPage).getByRole('region', { name: 'Contact requests' });
    await request.getByText(`${NORA.name}`).waitFor();
    await snap(helperPage, 'messenger-03-helper-contact-request');
    await request.getByRole('button', { name: `Accept ${NORA.user}` }).click();
    await presence(novicePage, HANK.user, 'Online');
    await presence(helperPage, NORA.user, 'Online');
    await snap(novicePage, 'messenger-04-novice-sees-helper-online');
  });

  it('shows a presence change at once: the helper is Busy, then Online again', async () => {
    await panel(helperPage).getByLabel('Your status').selectOption('busy');
    await presence(novicePage, HANK.user, 'Busy');
    assert.equal(await contact(novicePage, HANK.user).locator('.ra-presence-dot').getAttribute('data-presence'), 'busy');
    await snap(novicePage, 'messenger-05-novice-sees-helper-busy');
    await panel(helperPage).getByLabel('Your status').selectOption('online');
    await presence(novicePage, HANK.user, 'Online');
  });

  it('the novice invites the helper from the invite form, and the helper’s page asks at once', async () => {
    await novicePage.locator('#ra-invite').click();
    const form = novicePage.locator('#ra-invite-form');
    await form.getByLabel('Your name').fill(NORA.name);
    await form.getByLabel('Message for your helper').fill('My printer stopped working, can you look?');
    await form.getByLabel('Password (tell it to your helper by phone, not in the invitation)').fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    await form.locator('#ra-via').selectOption('messenger');
    const picker = form.getByLabel('Whom to send it to');
    await picker.locator(`option[value="${HANK.user}"]`).waitFor({ state: 'attached' });
    await picker.selectOption(HANK.user);
    await snap(novicePage, 'messenger-06-novice-invite-form');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    const offer = helperPage.getByRole('dialog', { name: 'Requests for your help' });
    await offer.getByRole('heading', { name: `${NORA.name} would like your help` }).waitFor();
    assert.match((await offer.textContent()) ?? '', /My printer stopped working, can you look\?/);
    await snap(helperPage, 'messenger-07-helper-would-like-your-help');
    await delivery(novicePage, 'delivered', `Delivered to ${HANK.user}`);
    await snap(novicePage, 'messenger-08-novice-invitation-delivered');
  });

  it('the helper accepts with the password, the novice consents, and the helper sees the desktop through the relay', async () => {
    const offer = helperPage.getByRole('dialog', { name: 'Requests for your help' });
    await offer.getByRole('button', { name: 'Accept', exact: true }).click();
    await offer.getByLabel('Password').fill(PASSWORD);
    await snap(helperPage, 'messenger-09-helper-password');
    await offer.getByRole('button', { name: 'Connect' }).click();
    await novicePage.locator('#ra-accept').waitFor();
    await snap(novicePage, 'messenger-10-novice-consent');
    await novicePage.locator('#ra-accept').click();
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor({ timeout: 60_000 });
    await until(async () => (await helperSees(helperPage, 512, 384)) === DESKTOP_RGB, 30_000, 'the helper’s picture shows the desktop', 200);
    await helperPage
      .getByText(/Relayed through/)
      .first()
      .waitFor();
    await snap(helperPage, 'messenger-11-helper-sees-desktop-relayed');
    await novicePage
      .getByText(/Relayed through/)
      .first()
      .waitFor();
    await delivery(novicePage, 'accepted', /accepted/);
    await novicePage.locator('#ra-invitations').scrollIntoViewIfNeeded();
    await snap(novicePage, 'messenger-12-novice-session-relayed');
  });

  /** Waits until the novice's newest invitation shows that delivery step, and checks its words. */
  async function delivery(page: Page, state: string, words: string | RegExp): Promise<void> {
    const cell = page.locator(`#ra-invitations tbody tr:first-child .ra-delivery[data-state="${state}"]`);
    await cell.waitFor({ timeout: 30_000 });
    assert.match((await cell.textContent()) ?? '', typeof words === 'string' ? new RegExp(`^${words}`) : words);
  }

  /** Waits until `page` shows `user` with that presence, in words. */
  async function presence(page: Page, user: string, word: string): Promise<void> {
    await contact(page, user).locator('.ra-messenger-state').getByText(word, { exact: true }).waitFor({ timeout: 30_000 });
  }
});

/** The helper's canvas pixel at a point of the remote screen, as 0xRRGGBB. */
async function helperSees(page: Page, x: number, y: number): Promise<number> {
  return page.evaluate(
    ([px, py]) => {
      const [r, g, b] = document.querySelector<HTMLCanvasElement>('canvas#ra-screen')!.getContext('2d')!.getImageData(px, py, 1, 1).data;
      return (r << 16) | (g << 8) | b;
    },
    [x, y],
  );
}
