import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@ra/kernel/testing';
import type { Screenshot, Xvfb } from '@ra/test-kit';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { canvasRegion, snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { TwoRoles } from './e2e/roles.js';
import { differingPixels, saveXScreen, xScreenshot } from './e2e/xwd.js';

const run = promisify(execFile);

const PASSWORD = 'blue-kite-4';
const SCREEN = { width: 1024, height: 768 };
/** ra.x11's indicator (plugins/x11/src/node/indicator-windows.ts): the border's width and colours, the bar's. */
const BORDER = 5;
const WATCHING_RGB = 0xf5a623;
const CONTROLLING_RGB = 0xd0021b;
const BAR_RGB = 0x1f2937;
/** Where the protected window opens: an xterm whose class names a password manager. */
const VAULT = { x: 600, y: 400, width: 200, height: 120 };

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

describe("end to end: the novice's desktop shows who is connected, and keeps protected windows and RA's own page from helpers", function () {
  this.timeout(180_000);
  let roles: TwoRoles;
  let desktop: Xvfb;
  let novice: RaProcess;
  let helper: RaProcess;
  let helperPage: Page;
  let vault: ChildProcess | undefined;
  let witness: ChildProcess | undefined;

  before(async () => {
    roles = await TwoRoles.start('desktop', {
      ports: [24611, 24612],
      screen: { ...SCREEN, xterm: true },
      novicePlugins: { 'ra.control': { allowControl: true } },
    });
    ({ desktop, novice, helper, helperPage } = roles);
    // A desktop colour that is neither black nor the indicator's, so the pictures speak for themselves.
    await run('xsetroot', ['-solid', '#336699'], { env: desktop.env });
  });

  after(async () => {
    for (const child of [vault, witness]) if (child?.pid) process.kill(child.pid);
    await roles?.stop();
  });

  async function invite(): Promise<string> {
    const target = join(roles.folder, `${Date.now()}.msrcincident`);
    const made = await novice.api('POST', '/api/invitations', { via: 'file', target, password: PASSWORD, name: 'Nora' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return readFile(target, 'utf8');
  }

  async function controlOf(ra: RaProcess): Promise<{ sessionId: string; phase: string }> {
    const views = (await ra.api<{ sessionId: string; phase: string; role: string }[]>('GET', '/api/control')).body;
    return views[views.length - 1];
  }

  /** The helper asks for control and the novice says yes, through their own APIs. */
  async function grantControl(): Promise<void> {
    const { sessionId } = await controlOf(helper);
    assert.equal((await helper.api('POST', `/api/control/${sessionId}/request`)).status, 200);
    let novices: { sessionId: string; phase: string }[] = [];
    await until(
      async () => (novices = (await novice.api<{ sessionId: string; phase: string }[]>('GET', '/api/control')).body).some((v) => v.phase === 'requested'),
      10_000,
      'the request reaching the novice',
      50,
    );
    const asked = novices.find((v) => v.phase === 'requested')!;
    // The novice's Yes may wait out a pause before control; it is answered once it is allowed.
    await until(async () => (await novice.api('POST', `/api/control/${asked.sessionId}/answer`, { grant: true })).status === 200, 40_000, 'Yes accepted', 500);
    await until(async () => (await controlOf(helper)).phase === 'shared', 10_000, 'control shared', 50);
  }

  /**
   * Over the border and the bar: how many pixels the X screen shows in the indicator's colours, and
   * how many of the helper's picture differ from `bare`, the screen before the indicator came.
   */
  async function compareIndicator(bare: Screenshot, border: number): Promise<{ total: number; onScreen: number; differing: number }> {
    const real = await xScreenshot(desktop.display);
    const bar = await barRect();
    const edges = [
      { x: 0, y: 0, width: SCREEN.width, height: BORDER },
      { x: 0, y: SCREEN.height - BORDER, width: SCREEN.width, height: BORDER },
      { x: 0, y: BORDER, width: BORDER, height: SCREEN.height - 2 * BORDER },
      { x: SCREEN.width - BORDER, y: BORDER, width: BORDER, height: SCREEN.height - 2 * BORDER },
    ];
    let [total, onScreen, differing] = [0, 0, 0];
    for (const area of [...edges, bar]) {
      total += area.width * area.height;
      differing += differingPixels(bare, await canvasRegion(helperPage, area), area);
      for (let y = area.y; y < area.y + area.height; y++) {
        for (let x = area.x; x < area.x + area.width; x++)
          if (area === bar ? real.rgb(x, y) !== bare.rgb(x, y) || real.rgb(x, y) === BAR_RGB : real.rgb(x, y) === border) onScreen++;
      }
    }
    return { total, onScreen, differing };
  }

  /** The indicator's bar on the X screen: of its windows, the one thicker than the border both ways. */
  async function barRect(): Promise<{ x: number; y: number; width: number; height: number }> {
    const tree = (await run('xwininfo', ['-root', '-children'], { env: desktop.env })).stdout;
    const windows = [...tree.matchAll(/"RA desktop indicator".*?(\d+)x(\d+)\+(\d+)\+(\d+)/g)].map((m) => m.slice(1).map(Number));
    const [width, height, x, y] = windows.find(([w, h]) => w > BORDER && h > BORDER) ?? assert.fail(`no bar among the root's children:\n${tree}`);
    return { x, y, width, height };
  }

  /** Clicks the helper's canvas at a point of the remote screen, whatever the zoom. */
  async function clickRemote(x: number, y: number): Promise<void> {
    const box = (await helperPage.locator('canvas#ra-screen').boundingBox())!;
    await helperPage.mouse.click(box.x + (x * box.width) / SCREEN.width, box.y + (y * box.height) / SCREEN.height);
  }

  it("draws the border and bar on the novice's screen, amber while watched and red in control, and never in the helper's picture", async () => {
    const opened = await helper.api('POST', '/api/sessions/open', { invitation: await invite(), password: PASSWORD, helperName: 'Hank' });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    // The desktop as it is before anyone is connected: what the helper must go on seeing where the indicator lies.
    const bare = await xScreenshot(desktop.display);
    await roles.novicePage.locator('#ra-accept').click();
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await until(async () => (await xScreenshot(desktop.display)).rgb(512, 2) === WATCHING_RGB, 10_000, 'the amber border on the X screen', 100);
    await saveXScreen(desktop.display, 'desktop-01-novice-screen-watched');
    await helperPage.waitForTimeout(500);
    const watched = await compareIndicator(bare, WATCHING_RGB);
    console.log(
      `      watched: ${watched.onScreen} of ${watched.total} pixels of border and bar on the X screen; ${watched.differing} differ in the helper's picture`,
    );
    assert.equal(watched.onScreen, watched.total, 'the border and the bar are on the X screen');
    assert.equal(watched.differing, 0, 'the helper sees the bare desktop there');

    await grantControl();
    await until(async () => (await xScreenshot(desktop.display)).rgb(512, 2) === CONTROLLING_RGB, 10_000, 'the red border', 100);
    await saveXScreen(desktop.display, 'desktop-02-novice-screen-controlled');
    await helperPage.waitForTimeout(500);
    const controlled = await compareIndicator(bare, CONTROLLING_RGB);
    assert.equal(controlled.onScreen, controlled.total, 'the red border and the bar are on the X screen');
    assert.equal(controlled.differing, 0, 'the helper sees the bare desktop there');
    await snap(helperPage, 'desktop-03-helper-sees-no-indicator');
  });

  it("blacks out a protected window in the helper's picture and delivers 0 of 100 helper clicks into it", async () => {
    const geometry = `20x6+${VAULT.x}+${VAULT.y}`;
    vault = spawn('xterm', ['-class', 'KeePassXC', '-title', 'Passwords', '-geometry', geometry, '-bg', 'white'], { env: desktop.env, stdio: 'ignore' });
    await until(async () => (await xScreenshot(desktop.display)).rgb(VAULT.x + 30, VAULT.y + 30) === 0xffffff, 10_000, 'the vault window showing', 100);
    await until(async () => (await helperSees(helperPage, VAULT.x + 30, VAULT.y + 30)) === 0, 10_000, 'the vault black for the helper', 100);
    // An independent witness of every button press on the display: XInput2 raw events.
    witness = spawn('stdbuf', ['-oL', 'xinput', 'test-xi2', '--root'], { env: desktop.env });
    let presses = 0;
    witness.stdout!.on('data', (chunk: Buffer) => (presses += (chunk.toString().match(/EVENT type 15 \(RawButtonPress\)/g) ?? []).length));
    await helperPage.waitForTimeout(500);
    for (let i = 0; i < 100; i++) await clickRemote(VAULT.x + 20 + (i % 10) * 10, VAULT.y + 20 + Math.floor(i / 10) * 6);
    await clickRemote(300, 600);
    await until(() => presses === 1, 10_000, 'the click outside the vault arriving', 100);
    await helperPage.waitForTimeout(1000);
    assert.equal(presses, 1, 'of 101 clicks only the one outside the protected window arrived');
    await snap(helperPage, 'desktop-04-helper-sees-vault-black');
    await saveXScreen(desktop.display, 'desktop-05-novice-sees-vault');
  });

  describe("RA's own page on the shared desktop", () => {
    let headed: Browser;
    let page: Page;
    let second: RaProcess;

    before(async () => {
      // The novice's page must be a real window on the shared display for helper input to reach it at all.
      headed = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: false,
        env: { ...process.env, DISPLAY: desktop.display },
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--window-position=0,0',
          '--window-size=1024,768',
        ],
      });
      // A context of its own, so a second tab can open in the same window.
      page = await (await headed.newContext({ viewport: null })).newPage();
      await page.goto(novice.url);
      second = await RaProcess.start('desktop-second-helper', { port: 24613 });
    });

    after(async () => {
      await headed?.close();
      await second?.stop();
    });

    it("drops 100 injected clicks on the novice's consent dialog; the novice's own click still answers", async () => {
      const opened = await second.api('POST', '/api/sessions/open', { invitation: await invite(), password: PASSWORD, helperName: 'Ivan' });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const accept = page.locator('#ra-accept');
      await accept.waitFor();
      const box = (await accept.boundingBox())!;
      const chrome = await page.evaluate(() => ({
        left: window.screenX + (window.outerWidth - window.innerWidth),
        top: window.screenY + (window.outerHeight - window.innerHeight),
      }));
      const at = { x: Math.round(chrome.left + box.x + box.width / 2), y: Math.round(chrome.top + box.y + box.height / 2) };
      // The point is right: the novice's own mouse there is over Accept.
      await run('xdotool', ['mousemove', String(at.x), String(at.y)], { env: desktop.env });
      await until(() => accept.evaluate((b) => b.matches(':hover')), 5000, 'Accept under the mouse at the point the helper clicks', 100);
      await run('xdotool', ['mousemove', '900', '700'], { env: desktop.env });
      await saveXScreen(desktop.display, 'desktop-06-novice-page-on-the-desktop');
      assert.equal((await controlOf(helper)).phase, 'shared', 'Hank still controls');
      for (let i = 0; i < 100; i++) await clickRemote(at.x, at.y);
      await helperPage.waitForTimeout(1500);
      const waiting = (await novice.api<{ peerName: string; state: string }[]>('GET', '/api/sessions')).body.find((s) => s.peerName === 'Ivan');
      assert.equal(waiting?.state, 'awaiting-consent', "Hank's clicks did not answer for the novice");
      assert.equal(await accept.isVisible(), true);
      await snap(helperPage, 'desktop-07-helper-sees-ra-page-black');

      await accept.click();
      await until(
        async () =>
          (await novice.api<{ peerName: string; state: string }[]>('GET', '/api/sessions')).body.some((s) => s.peerName === 'Ivan' && s.state === 'open'),
        10_000,
        "the novice's own Accept",
        100,
      );
    });

    it("cannot answer either by switching to RA's tab and clicking Accept before the browser retitles its window", async () => {
      const opened = await second.api('POST', '/api/sessions/open', { invitation: await invite(), password: PASSWORD, helperName: 'Jay' });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const accept = page.locator('#ra-accept');
      await accept.waitFor();
      const box = (await accept.boundingBox())!;
      const chrome = await page.evaluate(() => ({
        left: window.screenX + (window.outerWidth - window.innerWidth),
        top: window.screenY + (window.outerHeight - window.innerHeight),
      }));
      const at = { x: Math.round(chrome.left + box.x + box.width / 2), y: Math.round(chrome.top + box.y + box.height / 2) };
      // Another tab in front of RA's, in the same window: its title is not RA's, so the window is not protected now.
      const other = await page.context().newPage();
      await other.goto('data:text/html,<title>Notes</title><body style="background:%23fff">notes');
      await other.bringToFront();
      await until(
        async () => !(await run('xwininfo', ['-root', '-tree'], { env: desktop.env })).stdout.includes('"RA — Remote Assistance'),
        10_000,
        'the window retitled Notes',
        100,
      );
      try {
        // RA's tab is the first one, left of the indicator's bar; then Accept, as fast as the helper's socket goes.
        const sessionId = (await controlOf(helper)).sessionId;
        await sendClicks(helper, sessionId, [TAB_1, ...Array.from({ length: 20 }, () => at)]);
        await helperPage.waitForTimeout(1500);
        assert.match(
          (await run('xwininfo', ['-root', '-tree'], { env: desktop.env })).stdout,
          /"RA — Remote Assistance - Chromium"/,
          "Hank's click switched to RA's tab",
        );
        const jay = (await novice.api<{ peerName: string; state: string }[]>('GET', '/api/sessions')).body.find((s) => s.peerName === 'Jay');
        assert.equal(jay?.state, 'awaiting-consent', "Hank's clicks right after the tab switch did not answer for the novice");
      } finally {
        await other.close();
      }
      await page.bringToFront();
      await page.locator('#ra-decline').click();
    });

    it("shows the helper a window in front of RA's page and lets their clicks reach it; the page around it stays black", async () => {
      const notes = { x: 600, y: 430 };
      witness?.kill();
      witness = spawn('stdbuf', ['-oL', 'xinput', 'test-xi2', '--root'], { env: desktop.env });
      let presses = 0;
      witness.stdout!.on('data', (chunk: Buffer) => (presses += (chunk.toString().match(/EVENT type 15 \(RawButtonPress\)/g) ?? []).length));
      const terminal = spawn('xterm', ['-title', 'Notes', '-geometry', `30x8+${notes.x}+${notes.y}`, '-bg', '#8e24aa'], { env: desktop.env, stdio: 'ignore' });
      try {
        const inside = { x: notes.x + 120, y: notes.y + 60 };
        await until(async () => (await xScreenshot(desktop.display)).rgb(inside.x, inside.y) === 0x8e24aa, 10_000, 'the terminal in front of the page', 100);
        await until(async () => (await helperSees(helperPage, inside.x, inside.y)) === 0x8e24aa, 10_000, 'the terminal in the helper picture', 100);
        assert.equal(await helperSees(helperPage, 300, 400), 0, "RA's page around it is black");
        await helperPage.waitForTimeout(500);
        const before = presses;
        await clickRemote(inside.x, inside.y);
        await until(() => presses === before + 1, 10_000, 'the click on the terminal arriving', 100);
        await snap(helperPage, 'desktop-08-helper-sees-a-window-over-ra-page');
        await saveXScreen(desktop.display, 'desktop-09-novice-screen-window-over-ra-page');
      } finally {
        terminal.kill();
      }
    });
  });
});

/** Where the first tab of the novice's browser window is, left of the indicator's bar. */
const TAB_1 = { x: 80, y: 20 };

/** Sends left clicks at screen points on the helper's control channel through its live socket, back to back, as a rogue helper could. */
async function sendClicks(helper: RaProcess, sessionId: string, points: { x: number; y: number }[]): Promise<void> {
  const url = new URL('/api/sessions/live', helper.url);
  url.protocol = 'ws:';
  url.search = '';
  url.hash = '';
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${helper.secret}` } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  for (const { x, y } of points) {
    for (const kind of ['down', 'up']) {
      const [s, c, p] = [Buffer.from(sessionId), Buffer.from('control'), Buffer.from(JSON.stringify({ t: 'pointer', event: { kind, x, y, button: 'left' } }))];
      socket.send(Buffer.concat([Buffer.of(s.length), s, Buffer.of(c.length), c, Buffer.of(0), p]));
    }
  }
  await new Promise((r) => setTimeout(r, 300));
  socket.close();
}
