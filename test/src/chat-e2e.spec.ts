import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { TwoRoles } from './e2e/roles.js';
import { RA_BIN } from './fixtures.js';

const PASSWORD = 'quiet-harbour-7';
const GREETING = 'Grüße, 世界 👋 שלום';

/** What one page shows of one chat message. */
interface Shown {
  readonly from: string;
  readonly time: string;
  readonly sentAt: string;
  readonly text: string;
  readonly mine: boolean;
}

describe('end to end: chat between the novice and the helper, in both pages and from the CLI', function () {
  this.timeout(120_000);
  let novice: RaProcess;
  let helper: RaProcess;
  let novicePage: Page;
  let helperPage: Page;
  let folder: string;
  /** The session's id on each computer: each side names it itself. */
  let helperSession: string;
  let noviceSession: string;

  let roles: TwoRoles;

  before(async () => {
    roles = await TwoRoles.start('chat', {
      ports: [24571, 24572],
      screen: { width: 800, height: 600 },
      viewports: [
        { width: 1100, height: 900 },
        { width: 1100, height: 900 },
      ],
    });
    ({ novice, helper, novicePage, helperPage, folder } = roles);
  });

  after(() => roles?.stop());

  it('shows the chat on both sides once the novice accepts', async () => {
    const target = join(folder, 'chat.msrcincident');
    const made = await novice.api('POST', '/api/invitations', { via: 'file', target, password: PASSWORD, name: 'Nora Novice' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const opened = await helper.api<{ id: string }>('POST', '/api/sessions/open', {
      invitation: await readFile(target, 'utf8'),
      password: PASSWORD,
      helperName: 'Hank Helper',
    });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    helperSession = opened.body.id;
    await novicePage.locator('#ra-accept').click();
    await novicePage.getByRole('log').waitFor();
    await helperPage.getByRole('log').waitFor();
    noviceSession = (await novice.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body.find((s) => s.state === 'open')!.id;
    assert.equal(await novicePage.locator('.ra-chat-title').textContent(), 'Chat with Hank Helper');
    assert.equal(await helperPage.locator('.ra-chat-title').textContent(), 'Chat with Nora Novice');
    assert.equal(await novicePage.getByRole('log').getAttribute('aria-live'), 'polite');
    await snap(novicePage, 'chat-01-novice-empty');
  });

  it('sends with Enter and shows non-ASCII text exactly, with the sender’s name and time, on both pages', async () => {
    await novicePage.getByLabel('Message Entry').fill(GREETING);
    await novicePage.getByLabel('Message Entry').press('Enter');
    const [onHelper] = await messages(helperPage, 1);
    const [onNovice] = await messages(novicePage, 1);
    // Each computer stamps the time from its own clock, so the two may differ by the trip between them.
    assert.deepEqual({ ...onHelper, sentAt: '', mine: true }, { ...onNovice, sentAt: '' });
    assert.equal(onHelper.text, GREETING);
    assert.equal(onHelper.from, 'Nora Novice');
    assert.equal(onHelper.mine, false);
    assert.match(onHelper.time, /\d{1,2}:\d{2}/);
    assert.ok(Math.abs(Date.parse(onHelper.sentAt) - Date.now()) < 60_000, `sent at ${onHelper.sentAt}`);
    assert.equal(await novicePage.getByLabel('Message Entry').inputValue(), '', 'the entry is cleared once sent');
    await snap(helperPage, 'chat-02-helper-receives');
  });

  it('makes a new line with Shift+Enter and sends with the Send button', async () => {
    const entry = helperPage.getByLabel('Message Entry');
    await entry.fill('Hallo Nora! Ich sehe es mir an.');
    await entry.press('Shift+Enter');
    await entry.pressSequentially('Ça marche — 好的 ✅ e\u0301');
    await helperPage.getByRole('button', { name: 'Send', exact: true }).click();
    const reply = 'Hallo Nora! Ich sehe es mir an.\nÇa marche — 好的 ✅ e\u0301';
    const shown = await messages(novicePage, 2);
    assert.deepEqual(
      shown.map(({ from, text, mine }) => ({ from, text, mine })),
      [
        { from: 'Nora Novice', text: GREETING, mine: true },
        { from: 'Hank Helper', text: reply, mine: false },
      ],
    );
    assert.equal((await messages(helperPage, 2))[1].text, reply);
    assert.equal((await history(helper, helperSession)).length, 2, 'Shift+Enter sent nothing of its own');
    await snap(novicePage, 'chat-03-novice-conversation');
  });

  it('refuses an over-limit message with the reason, keeps the text and sends nothing', async () => {
    const entry = novicePage.getByLabel('Message Entry');
    await entry.fill('界'.repeat(2001));
    await entry.press('Enter');
    const error = novicePage.locator('.ra-chat-error');
    await error.waitFor();
    assert.equal(await error.textContent(), 'Not sent: a chat message may be at most 2000 characters; this one has 2001.');
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal((await entry.inputValue()).length, 2001);
    await snap(novicePage, 'chat-04-novice-too-long');
    assert.equal((await history(novice, noviceSession)).length, 2, 'the refused message was neither kept nor sent');
    assert.equal(await novicePage.locator('.ra-chat-log .ra-chat-message').count(), 2);
    await entry.fill('');
    await error.waitFor({ state: 'hidden' });
  });

  it('delivers `ra chat` from the helper’s command line to both pages, without a reload', async () => {
    const text = 'Vom Terminal: 你好 🌍 مرحبا';
    const sent = JSON.parse((await ra(helper, 'chat', helperSession, text, '--json')).stdout) as { from: string; text: string; role: string };
    assert.deepEqual({ from: sent.from, text: sent.text, role: sent.role }, { from: 'Hank Helper', text, role: 'helper' });
    const shown = await messages(novicePage, 3);
    assert.equal(shown[2].text, text);
    assert.equal(shown[2].from, 'Hank Helper');
    // The sender's own page too: nothing came from the peer to prompt it, so only RA's push can show it.
    const own = await messages(helperPage, 3);
    assert.deepEqual({ from: own[2].from, text: own[2].text, mine: own[2].mine }, { from: 'Hank Helper', text, mine: true });
    await snap(novicePage, 'chat-05-novice-gets-cli-message');
    await snap(helperPage, 'chat-05-helper-sees-own-cli-message');
  });

  it('says on one line what `ra chat` did, or why not', async () => {
    assert.match((await ra(helper, 'chat', helperSession, 'Bis gleich')).stdout, /^Sent at \d{4}-\d\d-\d\d \d\d:\d\d as Hank Helper\n$/);
    await messages(novicePage, 4);
    await messages(helperPage, 4);
    const tooLong = await ra(helper, 'chat', helperSession, 'ü'.repeat(2001));
    assert.deepEqual([tooLong.code, tooLong.stderr], [1, 'ra: a chat message may be at most 2000 characters; this one has 2001\n']);
    const unknown = await ra(helper, 'chat', 'no-such-session', 'hello');
    assert.deepEqual([unknown.code, unknown.stderr], [1, "ra: no open session 'no-such-session' to chat in on this computer\n"]);
    assert.equal((await ra(helper, 'chat', helperSession)).code, 2);
  });

  it('loads the whole history when a page opens midway', async () => {
    await helperPage.reload();
    const shown = await messages(helperPage, 4);
    assert.deepEqual(
      shown.map((m) => [m.from, m.mine]),
      [
        ['Nora Novice', false],
        ['Hank Helper', true],
        ['Hank Helper', true],
        ['Hank Helper', true],
      ],
    );
    assert.equal(shown[0].text, GREETING);
    await snap(helperPage, 'chat-06-helper-history-after-reload');
  });
});

/** Waits until `page` shows exactly `count` chat messages and reads them. */
async function messages(page: Page, count: number): Promise<Shown[]> {
  await page.waitForFunction((n) => document.querySelectorAll('.ra-chat-log .ra-chat-message').length === n, count);
  return page.$$eval('.ra-chat-log .ra-chat-message', (items) =>
    items.map((item) => ({
      from: item.querySelector('.ra-chat-from')?.textContent ?? '',
      time: item.querySelector('time')?.textContent ?? '',
      sentAt: item.querySelector('time')?.getAttribute('datetime') ?? '',
      text: item.querySelector('.ra-chat-text')?.textContent ?? '',
      mine: item.classList.contains('mine'),
    })),
  );
}

/** Runs the `ra` CLI against that computer's running RA; never rejects, so a spec can check a failure. */
async function ra(on: RaProcess, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RA_BIN, ...args], { env: { ...process.env, RA_HOME: on.home } }, (error, stdout, stderr) =>
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
    );
  });
}

/** The chat history that computer's RA keeps for the session. */
async function history(ra: RaProcess, sessionId: string): Promise<{ text: string }[]> {
  const reply = await ra.api<{ text: string }[]>('GET', `/api/chat/${sessionId}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}
