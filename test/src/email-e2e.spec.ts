import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import { xdgSandbox, type XdgSandbox } from '@ra/test-kit';
import { PASSWORD as ACCOUNT_PASSWORD, SmtpLab, USER } from '@ra/plugin-email/testing';
import type { Page } from 'playwright-core';
import { snap } from './e2e/browser.js';
import { TwoRoles } from './e2e/roles.js';

const PASSWORD = 'amber-teapot-31';

/**
 * The novice sets up their e-mail account in the page and invites by e-mail; the invitation reaches a real SMTP server
 * (smtp-server, in this process, STARTTLS and AUTH), the test reads the attachment from it, and the helper opens it in
 * their page. Then the same invitation goes again as a link, through the novice's mail program (a sandboxed mailto:
 * handler that writes down what it is asked to open), and the helper pastes the link.
 */
describe('end to end: invitations by e-mail, from the page to a real SMTP server, and as a link', function () {
  this.timeout(120_000);
  let lab: SmtpLab;
  let roles: TwoRoles;
  let novicePage: Page;
  let helperPage: Page;
  let folder: string;
  let mailer: XdgSandbox;
  let mailerDir: string;

  before(async () => {
    lab = await SmtpLab.start();
    // The novice's mail program: the default for mailto: in a desktop of its own, writing down what it opens.
    mailerDir = await mkdtemp(join(tmpdir(), 'ra-e2e-mailer-'));
    mailer = await xdgSandbox(mailerDir, ['x-scheme-handler/mailto']);
    roles = await TwoRoles.start('email', { ports: [24571, 24572], screen: { width: 1024, height: 768, xterm: true }, noviceEnv: mailer.env });
    ({ novicePage, helperPage, folder } = roles);
    await writeFile(join(folder, 'lab-ca.pem'), lab.ca.cert);
  });
  after(async () => {
    await roles?.stop();
    await lab?.stop();
    if (mailerDir) await rm(mailerDir, { recursive: true, force: true });
  });

  async function invite(via: RegExp, to: string): Promise<string> {
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.getByLabel('Your name').fill('Nora Novice');
    await form.getByLabel(/Message for your helper/).fill('The printer prints only blank pages.');
    await form.getByLabel(/^Password/).fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    await form.locator('#ra-via').selectOption({ label: (await optionLabel(form.locator('#ra-via'), via))! });
    await form.locator('#ra-target').fill(to);
    await snap(novicePage, 'email-02-invite-form');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    return (await novicePage.locator('#ra-invite-done').textContent()) ?? '';
  }

  async function optionLabel(select: ReturnType<Page['locator']>, label: RegExp): Promise<string | undefined> {
    // The ways load after the form shows: read them once the one wanted is there, or the remembered way stays chosen.
    await select.locator('option', { hasText: label }).first().waitFor({ state: 'attached' });
    const labels = await select.locator('option').allTextContents();
    return labels.find((l) => label.test(l));
  }

  /** The helper opens the invitation in their page (a file, or a link pasted), the novice accepts, and both are connected. */
  async function helperConnects(open: () => Promise<void>): Promise<void> {
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await open();
    await until(async () => /Nora Novice/.test((await helperPage.locator('#ra-preview').textContent()) ?? ''), 10_000, 'no preview');
    await helperPage.locator('#ra-password').fill(PASSWORD);
    await helperPage.getByLabel(/Your name/).fill('Ada Helper');
    await helperPage.locator('#ra-connect').click();
    await novicePage.getByRole('dialog').waitFor();
    await novicePage.locator('#ra-accept').click();
    await helperPage.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected');
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
  }

  async function disconnect(): Promise<void> {
    await helperPage.getByRole('button', { name: 'Disconnect' }).first().click();
    await helperPage.locator('#ra-ended').waitFor();
    await helperPage.locator('#ra-dismiss').click();
  }

  it('sets up the e-mail account in the page, says what is wrong with it, and sends a test message', async () => {
    const panel = novicePage.locator('#ra-email');
    // The panel says what it can do once it has asked the novice's RA.
    await until(async () => ((await panel.locator('#ra-email-methods').textContent()) ?? '') !== '', 10_000, 'the ways never showed');
    assert.equal(
      await panel.locator('#ra-email-methods').textContent(),
      'You can send invitations by e-mail from your account, or as a draft in your mail program, or as a link in your mail program.',
    );
    await panel.getByText('Set up the account').click();
    await panel.getByLabel('Outgoing mail server').fill('localhost');
    await panel.getByLabel('Port', { exact: true }).fill(String(lab.port));
    await panel.getByLabel('User name', { exact: true }).fill(USER);
    await panel.getByLabel('Password or token').fill('not-the-password');
    await panel.getByLabel(/CA file/).fill(join(folder, 'lab-ca.pem'));
    await panel.getByRole('button', { name: 'Save' }).click();
    await until(async () => /Saved/.test((await panel.locator('#ra-email-status').textContent()) ?? ''), 10_000, 'not saved');
    await panel.getByRole('button', { name: 'Send a test message' }).click();
    await until(
      async () => /refused the user name or password/.test((await panel.locator('#ra-email-status').textContent()) ?? ''),
      20_000,
      'no refusal shown',
    );
    const refusal = (await panel.locator('#ra-email-status').textContent()) ?? '';
    assert.ok(!refusal.includes('not-the-password'), refusal);
    await panel.getByLabel('Password or token').fill(ACCOUNT_PASSWORD);
    await panel.getByRole('button', { name: 'Save' }).click();
    await until(async () => /Saved/.test((await panel.locator('#ra-email-status').textContent()) ?? ''), 10_000, 'not saved');
    await panel.getByRole('button', { name: 'Send a test message' }).click();
    await until(
      async () => /A test message went to nora@example.org/.test((await panel.locator('#ra-email-status').textContent()) ?? ''),
      20_000,
      'no test message',
    );
    assert.equal(lab.received.at(-1)?.mail.subject, 'Remote Assistance: test message');
    assert.equal(await panel.getByLabel('Password or token').inputValue(), '', 'the page never gets the password back');
    await panel.locator('#ra-email-status').scrollIntoViewIfNeeded();
    await snap(novicePage, 'email-01-account-tested');
  });

  it('invites by e-mail from the page; the helper opens the attachment from the server and connects', async () => {
    const done = await invite(/sent from your account/, 'ada@example.org');
    assert.match(done, /Sent to ada@example.org/);
    const { mail, secure } = lab.received.at(-1)!;
    assert.equal(secure, true);
    assert.equal(mail.subject, 'Remote Assistance invitation from Nora Novice');
    assert.match(mail.text ?? '', /The printer prints only blank pages\./);
    assert.match(mail.text ?? '', /it is not in this message/);
    assert.ok(!(mail.text ?? '').includes(PASSWORD) && !mail.attachments[0].content.toString().includes(PASSWORD), 'the password is nowhere in the mail');
    const [attachment] = mail.attachments;
    assert.deepEqual([attachment.filename, attachment.contentType], ['RAInvitation.msrcincident', 'application/x-msrcincident']);
    const file = join(folder, 'from-mail.msrcincident');
    await writeFile(file, attachment.content);
    await snap(novicePage, 'email-03-invitation-sent');
    await helperConnects(() => helperPage.locator('#ra-invitation-file').setInputFiles(file));
    await snap(helperPage, 'email-04-helper-connected-from-mail');
    await disconnect();
  });

  it('sends the same invitation again as a link through the mail program; the helper pastes the link and connects', async () => {
    await novicePage.locator('#ra-invitations tbody tr').first().getByRole('button', { name: 'Send again' }).click();
    const form = novicePage.locator('#ra-resend-form');
    await form.locator('#ra-via').selectOption({ label: (await optionLabel(form.locator('#ra-via'), /a link in your mail program/))! });
    await form.locator('#ra-target').fill('ada@example.org');
    await form.getByRole('button', { name: 'Send again' }).click();
    await novicePage.locator('#ra-invite-done').waitFor();
    assert.match((await novicePage.locator('#ra-invitations .ra-delivery').first().textContent()) ?? '', /sent 2 times/);
    await snap(novicePage, 'email-05-sent-again-as-link');
    const url = new URL(
      await mailer.next('mailto:').catch(async (e: Error) => {
        const delivery = await novicePage
          .locator('#ra-invitations .ra-delivery')
          .first()
          .evaluate((d) => `${(d as HTMLElement).dataset.state}: ${d.textContent}`);
        throw new Error(
          `${e.message}; the delivery: ${delivery}; opened so far: ${JSON.stringify(await mailer.opened())}\n${roles.novice.output().slice(-2500)}`,
        );
      }),
    );
    assert.ok(url.href.length <= 1800, `${url.href.length} characters`);
    assert.equal(url.pathname, 'ada@example.org');
    const body = url.searchParams.get('body') ?? '';
    const link = /ra-invite:[A-Za-z0-9_-]+/.exec(body)?.[0];
    assert.ok(link, body);
    assert.ok(!body.includes(PASSWORD), 'never the password');
    await helperConnects(() => helperPage.locator('#ra-invitation-source').fill(link));
    await snap(helperPage, 'email-06-helper-connected-from-link');
    await disconnect();
  });
});
