import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@ra/kernel/testing';
import type { Page } from 'playwright-core';
import { snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { TwoRoles } from './e2e/roles.js';
import { RA_BIN } from './fixtures.js';

const run = promisify(execFile);
const PASSWORD = 'amber-kettle-19';
const SIZES = [
  { width: 1024, height: 700 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const;

describe('end to end: consoles people can trust: everyone connected shown, one-screen helper console, no stale state', function () {
  this.timeout(240_000);
  let roles: TwoRoles;
  let novice: RaProcess;
  let iris: RaProcess;
  let novicePage: Page;
  let hankPage: Page;
  let irisPage: Page;
  let folder: string;
  const invitations: Record<string, string> = {};

  before(async () => {
    roles = await TwoRoles.start('console', {
      ports: [24601, 24602],
      screen: { width: 1280, height: 800, xterm: true },
      novicePlugins: { 'ra.control': { allowControl: true } },
      viewports: [
        { width: 1280, height: 800 },
        { width: 1366, height: 768 },
      ],
    });
    ({ novice, novicePage, helperPage: hankPage, folder } = roles);
    iris = await RaProcess.start('console-iris', { port: 24603 });
    irisPage = await roles.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await irisPage.goto(iris.url);
    for (const name of ['a', 'b', 'c']) invitations[name] = await invite(name);
  });

  after(async () => {
    await irisPage?.close().catch(() => undefined);
    await iris?.stop();
    await roles?.stop();
  });

  async function invite(name: string): Promise<string> {
    const target = join(folder, `${name}.msrcincident`);
    const made = await novice.api('POST', '/api/invitations', { via: 'file', target, password: PASSWORD, name: 'Nora Novice' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return target;
  }

  /** Opens an invitation from the helper's own page, as a person would: Home, Help someone, the file, the password. */
  async function connectFromPage(page: Page, invitation: string, helperName: string): Promise<void> {
    const home = page.getByRole('tab', { name: 'Home' });
    if (await home.isVisible()) await home.click();
    await page.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await page.locator('#ra-invitation-file').setInputFiles(invitation);
    await page.locator('#ra-password').fill(PASSWORD);
    await page.getByLabel(/Your name/).fill(helperName);
    await page.locator('#ra-connect').click();
  }

  const people = () => novicePage.locator('.ra-session-bar .ra-person');
  const tabs = (page: Page) => page.locator('.ra-tab[data-session]');
  const state = async (page: Page) => (await page.locator('#ra-session-state').textContent()) ?? '';

  it("names the helper already watching in a second helper's consent dialog", async () => {
    await connectFromPage(hankPage, invitations.a, 'Hank Helper');
    await novicePage.locator('#ra-accept').click();
    await hankPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await people().first().waitFor();

    await connectFromPage(irisPage, invitations.b, 'Iris Helper');
    const dialog = novicePage.getByRole('dialog');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /“Iris Helper” wants to connect to your computer/);
    assert.equal(await novicePage.locator('#ra-consent-others').textContent(), 'Hank Helper is already connected and can see your screen.');
    await snap(novicePage, 'console-01-novice-second-helper-asks');
    await novicePage.locator('#ra-accept').click();
    await irisPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
  });

  it("lists every connected helper with what each may do in the novice's bar, and each helper's page lists its session", async () => {
    await until(async () => (await people().count()) === 2, 10_000, 'the bar did not list both helpers', 100);
    const rows = await people().evaluateAll((items) =>
      items.map((i) => ({
        name: i.querySelector('.ra-person-name')?.textContent,
        rights: (i as HTMLElement).dataset.rights,
        chips: [...i.querySelectorAll('.ra-right')].map((c) => c.textContent),
      })),
    );
    assert.deepEqual(rows, [
      { name: 'Hank Helper', rights: 'view', chips: ['Sees your screen'] },
      { name: 'Iris Helper', rights: 'view', chips: ['Sees your screen'] },
    ]);
    assert.equal(await novicePage.locator('#ra-bar-title').textContent(), '2 people are watching your screen');
    await snap(novicePage, 'console-02-novice-bar-two-helpers');
    for (const page of [hankPage, irisPage]) {
      assert.equal(await tabs(page).count(), 1);
      assert.match((await tabs(page).textContent()) ?? '', /Nora Novice\s*Connected/);
    }
  });

  it('shows who controls, and Stop Control in the bar takes control back from that helper alone', async () => {
    await hankPage.locator('#ra-take-control').click();
    await novicePage.locator('#ra-control-yes').click();
    const hankRow = people().filter({ hasText: 'Hank Helper' });
    await until(async () => (await hankRow.getAttribute('data-rights')) === 'view control', 10_000, 'the bar did not show control', 100);
    assert.equal(await novicePage.locator('#ra-bar-title').textContent(), 'Someone is controlling your computer');
    assert.deepEqual(await hankRow.locator('.ra-right').allTextContents(), ['Sees your screen', 'Controls mouse and keyboard']);
    assert.equal(await hankRow.getAttribute('title'), 'Hank Helper can see your screen and use your mouse and keyboard');
    assert.equal(
      await people()
        .filter({ hasText: 'Iris Helper' })
        .getByRole('button', { name: /Stop Control/ })
        .isVisible(),
      false,
    );
    await snap(novicePage, 'console-03-novice-bar-control');
    await novicePage.getByRole('button', { name: 'Stop Control for Hank Helper' }).click();
    await until(async () => (await hankRow.getAttribute('data-rights')) === 'view', 10_000, 'Stop Control in the bar did not take control back', 100);
    assert.equal(await state(hankPage), 'Connected', 'the session goes on, View Only');
  });

  it('disconnects each helper on its own from the bar', async () => {
    await novicePage.getByRole('button', { name: 'Disconnect Iris Helper' }).click();
    await irisPage.locator('#ra-ended').waitFor();
    assert.match((await irisPage.locator('#ra-ended').textContent()) ?? '', /Nora Novice \(the novice\) ended the session/);
    await until(async () => (await people().count()) === 1, 10_000, 'Iris stayed in the bar', 100);
    assert.equal(await people().locator('.ra-person-name').textContent(), 'Hank Helper');
    assert.equal(await state(hankPage), 'Connected');
    const ended = novicePage.locator('.ra-ended');
    assert.match((await ended.textContent()) ?? '', /You ended the session with Iris Helper: the novice disconnected/);
    await ended.getByRole('button', { name: /Dismiss/ }).click();
    assert.equal(await ended.count(), 0, 'a dismissed end goes away');
  });

  it('never shows "Connected" beside "Ended", and an ended session says who ended it and can be dismissed', async () => {
    const desk = irisPage.locator('.ra-desk');
    assert.equal(await desk.getAttribute('data-state'), 'ended');
    assert.doesNotMatch(await desk.innerText(), /\bconnected\b/i);
    assert.doesNotMatch(await tabs(irisPage).innerText(), /\bconnected\b/i);
    assert.match(await desk.innerText(), /Nora Novice \(the novice\) ended the session: the novice disconnected/);
    assert.equal(await irisPage.locator('#ra-disconnect').isVisible(), false);
    await snap(irisPage, 'console-04-helper-ended');
    await irisPage.locator('#ra-dismiss').click();
    assert.equal(await tabs(irisPage).count(), 0);
    await irisPage.getByRole('button', { name: /Help someone who has invited you/ }).waitFor();
  });

  it('lets a helper with two sessions switch between them, each keeping its own chat', async () => {
    await connectFromPage(hankPage, invitations.b, 'Hank Helper');
    await novicePage.getByRole('dialog').waitFor();
    assert.equal(await novicePage.locator('#ra-consent-others').textContent(), 'Hank Helper is already connected and can see your screen.');
    await novicePage.locator('#ra-accept').click();
    await until(async () => (await tabs(hankPage).count()) === 2, 10_000, 'the second session did not get a tab', 100);
    const [first, second] = await tabs(hankPage).evaluateAll((t) => t.map((e) => (e as HTMLElement).dataset.session!));
    assert.equal(await hankPage.locator('.ra-desk').getAttribute('data-session'), second, 'the session just opened comes to the front');
    await hankPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await say(hankPage, 'in the second session');

    await tabs(hankPage).first().getByRole('tab').click();
    assert.equal(await hankPage.locator('.ra-desk').getAttribute('data-session'), first);
    await hankPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await say(hankPage, 'in the first session');
    assert.deepEqual(await chatTexts(hankPage), ['in the first session']);

    await tabs(hankPage).last().getByRole('tab').click();
    assert.equal(await hankPage.locator('.ra-desk').getAttribute('data-session'), second);
    await hankPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await until(async () => (await chatTexts(hankPage)).join() === 'in the second session', 10_000, 'the second chat did not come back', 100);
    await snap(hankPage, 'console-05-helper-two-sessions');
    assert.equal(await people().count(), 2, 'the novice sees Hank twice: two sessions');
  });

  for (const size of SIZES) {
    it(`fits the helper console in a ${size.width}×${size.height} window: toolbar, Disconnect and the whole screen area, no page scrolling`, async () => {
      await hankPage.setViewportSize(size);
      for (const mode of ['Scale to window', 'Actual size'] as const) {
        await hankPage.getByRole('button', { name: mode }).click();
        assert.equal(await hankPage.getByRole('button', { name: mode }).getAttribute('aria-pressed'), 'true', 'the mode shows');
        await hankPage.waitForTimeout(200);
        const fit = await hankPage.evaluate(() => {
          const inside = (el: Element | null) => {
            const b = el?.getBoundingClientRect();
            return !!b && b.width > 0 && b.height > 0 && b.left >= 0 && b.top >= 0 && b.right <= innerWidth + 0.5 && b.bottom <= innerHeight + 0.5;
          };
          window.scrollTo(10_000, 10_000);
          const frame = document.querySelector('.ra-screen-frame')!;
          const canvas = document.querySelector('canvas#ra-screen')!.getBoundingClientRect();
          const area = frame.getBoundingClientRect();
          return {
            page: [document.scrollingElement!.scrollWidth, document.scrollingElement!.scrollHeight, scrollX, scrollY],
            window: [innerWidth, innerHeight],
            buttons: [...document.querySelectorAll<HTMLButtonElement>('.ra-toolbar button')]
              .filter((b) => b.offsetParent)
              .map((b) => [b.textContent, inside(b)] as const),
            frame: inside(frame),
            chat: inside(document.querySelector('.ra-chat-entry')),
            wholeScreen: canvas.left >= area.left && canvas.top >= area.top && canvas.right <= area.right + 0.5 && canvas.bottom <= area.bottom + 0.5,
            scrollsInside: frame.scrollWidth > frame.clientWidth || frame.scrollHeight > frame.clientHeight,
          };
        });
        const label = `${size.width}×${size.height} ${mode}`;
        assert.deepEqual(fit.page, [...fit.window, 0, 0], `${label}: the page itself does not scroll`);
        const names = fit.buttons.map(([name]) => name);
        for (const wanted of ['Actual size', 'Scale to window', 'Chat', 'Disconnect'])
          assert.ok(names.includes(wanted), `${label}: ${wanted} in ${names.join(', ')}`);
        assert.deepEqual(
          fit.buttons.filter(([, inside]) => !inside),
          [],
          `${label}: every toolbar button inside the window`,
        );
        assert.ok(fit.frame, `${label}: the screen area inside the window`);
        assert.ok(fit.chat, `${label}: the chat entry inside the window`);
        if (mode === 'Scale to window') assert.ok(fit.wholeScreen && !fit.scrollsInside, `${label}: the whole remote screen shows`);
        else if (size.width < 1920) assert.ok(fit.scrollsInside, `${label}: Actual size scrolls inside the screen area`);
        await snap(hankPage, `console-${size.width}x${size.height}-${mode === 'Actual size' ? 'actual' : 'scaled'}`);
      }
    });
  }

  it('keeps the novice bar on screen however far the page scrolls, and a consent dialog dims all of the page', async () => {
    await novicePage.setViewportSize({ width: 1024, height: 700 });
    for (let i = 0; i < 12; i++) await invite(`long-${i}`);
    await until(async () => (await novicePage.locator('#ra-invitations tbody tr').count()) >= 15, 10_000, 'the invitations did not all show', 100);
    const scrolled = await novicePage.evaluate(() => {
      const area = document.querySelector('.ra-scroll')!;
      area.scrollTop = area.scrollHeight;
      window.scrollTo(0, 10_000);
      const bar = document.querySelector('.ra-session-bar')!.getBoundingClientRect();
      const button = document.querySelector<HTMLElement>('.ra-person-disconnect')!;
      const b = button.getBoundingClientRect();
      return {
        moved: area.scrollTop > 0,
        bar: bar.top >= 0 && bar.bottom <= innerHeight,
        reachable: document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2) === button,
      };
    });
    assert.deepEqual(scrolled, { moved: true, bar: true, reachable: true });
    await snap(novicePage, 'console-06-novice-scrolled');

    assert.equal(
      (await iris.api('POST', '/api/sessions/open', { invitation: await readFile(invitations.c, 'utf8'), password: PASSWORD, helperName: 'Iris Helper' }))
        .status,
      200,
    );
    await novicePage.getByRole('dialog').waitFor();
    const dimmed = await novicePage.evaluate(() => {
      const dialog = document.querySelector('.ra-dialog')!;
      const d = dialog.getBoundingClientRect();
      const page = document.scrollingElement!;
      const corners = [
        [1, 1],
        [innerWidth - 2, innerHeight - 2],
        [1, innerHeight - 2],
      ].every(([x, y]) => dialog.contains(document.elementFromPoint(x, y)));
      return { covers: d.left <= 0 && d.top <= 0 && d.right >= page.scrollWidth && d.bottom >= page.scrollHeight, corners };
    });
    assert.deepEqual(dimmed, { covers: true, corners: true });
    assert.equal(await novicePage.locator('#ra-consent-others').textContent(), 'Hank Helper is already connected (in 2 sessions) and can see your screen.');
    await snap(novicePage, 'console-07-novice-consent-over-long-page');
    await novicePage.locator('#ra-decline').click();
  });

  it('reconnects the page by itself when a plugin restart closes its socket, and says "Lost contact" only when RA stays away', async () => {
    await novicePage.evaluate(() => {
      const w = window as unknown as { lostShown: boolean };
      w.lostShown = false;
      const lost = document.getElementById('ra-lost')!;
      new MutationObserver(() => (w.lostShown ||= !lost.hidden)).observe(lost, { attributes: true });
    });
    const rows = async () => novicePage.locator('#ra-invitations tbody tr').count();
    const before = await rows();
    await ra(novice, 'plugins', 'disable', 'ra.session');
    await ra(novice, 'plugins', 'enable', 'ra.session');
    await until(async () => (await novice.api('GET', '/api/sessions')).status === 200, 10_000, 'ra.session did not come back', 100);
    await invite('after-restart');
    await until(async () => (await rows()) === before + 1, 15_000, 'the page did not pick up a new invitation after the restart', 100);
    assert.equal(await novicePage.evaluate(() => (window as unknown as { lostShown: boolean }).lostShown), false, 'a blink is not "Lost contact"');

    await ra(novice, 'plugins', 'disable', 'ra.session');
    const lost = novicePage.locator('#ra-lost');
    await lost.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await lost.textContent(), 'Lost contact with RA on this computer. Trying again…');
    await snap(novicePage, 'console-08-novice-lost-contact');
    await ra(novice, 'plugins', 'enable', 'ra.session');
    await lost.waitFor({ state: 'hidden', timeout: 15_000 });
    await invite('after-return');
    await until(async () => (await rows()) === before + 2, 15_000, 'the page did not recover on its own', 100);
  });
});

async function say(page: Page, text: string): Promise<void> {
  const entry = page.locator('.ra-chat-entry');
  await entry.fill(text);
  await entry.press('Enter');
  await until(async () => (await chatTexts(page)).includes(text), 10_000, `"${text}" did not show`, 100);
}

async function chatTexts(page: Page): Promise<string[]> {
  return page.locator('.ra-chat-log .ra-chat-text').allTextContents();
}

async function ra(on: RaProcess, ...args: string[]): Promise<void> {
  await run(process.execPath, [RA_BIN, ...args], { env: on.env });
}
