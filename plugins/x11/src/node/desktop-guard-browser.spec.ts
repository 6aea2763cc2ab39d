import assert from 'node:assert/strict';
import { withXvfb } from '@ra/test-kit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DesktopGuards } from './desktop-guard.js';
import { DEFAULT_PROTECTED_WINDOWS, RA_PAGE_TITLE } from './window-rules.js';
import type { X11InputTarget } from './x11-input-target.js';
import { X11InputSink } from './x11-input-sink.js';

/** A button at a fixed place in the page, focused, that counts its clicks and double-clicks. */
const page = (title: string) =>
  `data:text/html;charset=utf-8,<title>${encodeURIComponent(title)}</title>` +
  '<button id=b autofocus style="position:fixed;left:100px;top:300px;width:300px;height:150px" onclick="clicks++" ondblclick="doubles++">Accept</button>' +
  '<script>var clicks = 0, doubles = 0</script>';
/** The first tab of the window, left of where RA's indicator bar would be. */
const FIRST_TAB = { x: 80, y: 20 };

describe("the desktop guard with a real browser on Xvfb: RA's page in a tab", function () {
  this.timeout(60_000);
  const xvfb = withXvfb({ width: 1024, height: 768 });
  let browser: Browser;
  let ra: Page;
  let notes: Page;
  let guards: DesktopGuards;
  let target: X11InputTarget;
  let accept: { x: number; y: number };

  before(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: false,
      env: { ...process.env, DISPLAY: xvfb().display },
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--window-position=0,0', '--window-size=1024,768'],
    });
    // One context: its pages are tabs of one window.
    const context = await browser.newContext({ viewport: null });
    ra = await context.newPage();
    await ra.goto(page(RA_PAGE_TITLE));
    const inner = await ra.evaluate(() => ({
      x: window.screenX + window.outerWidth - window.innerWidth,
      y: window.screenY + window.outerHeight - window.innerHeight,
    }));
    accept = { x: inner.x + 250, y: inner.y + 375 };
    notes = await context.newPage();
    await notes.goto(page('Notes'));
    guards = new DesktopGuards(() => DEFAULT_PROTECTED_WINDOWS);
    target = await new X11InputSink(undefined, guards).open(xvfb().display);
  });
  after(async () => {
    await target?.dispose();
    guards?.dispose();
    await browser?.close();
  });

  async function click(at: { x: number; y: number }): Promise<boolean> {
    try {
      await target.pointer({ kind: 'down', button: 'left', ...at });
      await target.pointer({ kind: 'up', button: 'left', ...at });
      return true;
    } catch {
      return false;
    }
  }

  it('lets a double-click through on an unprotected tab', async () => {
    await notes.bringToFront();
    await new Promise((r) => setTimeout(r, 500));
    await click(accept);
    await new Promise((r) => setTimeout(r, 100));
    await click(accept);
    assert.deepEqual(await notes.evaluate(() => [clicks, doubles]), [2, 1]);
  });

  it("drops clicks on Accept that come right after a click switched to RA's tab, before the browser retitled its window", async () => {
    await notes.bringToFront();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await click(FIRST_TAB), true, "the click on RA's tab goes through: the window is titled Notes");
    let through = 0;
    for (let i = 0; i < 20; i++) if (await click(accept)) through++;
    await new Promise((r) => setTimeout(r, 500));
    const guard = (await guards.current(xvfb().display))!;
    assert.ok(
      guard.protectedWindows.some((w) => w.name.startsWith(RA_PAGE_TITLE)),
      "the tab switched: the window is titled RA's",
    );
    assert.deepEqual({ through, clicked: await ra.evaluate(() => clicks) }, { through: 0, clicked: 0 });
  });

  it("drops Enter right after Ctrl+Tab switched to RA's tab, where Accept has the focus", async () => {
    await notes.bringToFront();
    await new Promise((r) => setTimeout(r, 500));
    const before = await ra.evaluate(() => clicks);
    const key = (kind: 'down' | 'up', key: string, code: string) => target.key({ kind, key, code });
    await key('down', 'Control', 'ControlLeft');
    await key('down', 'Tab', 'Tab');
    await key('up', 'Tab', 'Tab');
    await key('up', 'Control', 'ControlLeft');
    let through = 0;
    for (let i = 0; i < 10; i++) {
      if (
        await key('down', 'Enter', 'Enter').then(
          () => true,
          () => false,
        )
      )
        through++;
      await key('up', 'Enter', 'Enter');
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(
      (await guards.current(xvfb().display))!.protectedWindows.some((w) => w.name.startsWith(RA_PAGE_TITLE)),
      "Ctrl+Tab switched to RA's tab",
    );
    assert.deepEqual({ through, clicked: (await ra.evaluate(() => clicks)) - before }, { through: 0, clicked: 0 });
  });
});

declare let clicks: number;
declare let doubles: number;
