import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import type { Xvfb } from '@ra/test-kit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { TwoRoles } from './e2e/roles.js';
import { saveXScreen, xScreenshot } from './e2e/xwd.js';

const PASSWORD = 'blue-kite-4';
const SCREEN = { width: 1024, height: 768 };
const WATCHING_RGB = 0xf5a623;
const CONTROLLING_RGB = 0xd0021b;
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
      ports: [34611, 34612],
      screen: { ...SCREEN, xterm: true },
      novicePlugins: { 'ra.control': { allowControl: true } },
    });
    ({ desktop, novice, helper, helperPage } = roles);
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

  /** Clicks the helper's canvas at a point of the remote screen, whatever the zoom. */
  async function clickRemote(x: number, y: number): Promise<void> {
    const box = (await helperPage.locator('canvas#ra-screen').boundingBox())!;
    await helperPage.mouse.click(box.x + (x * box.width) / SCREEN.width, box.y + (y * box.height) / SCREEN.height);
  }

  it("draws the border and bar on the novice's screen, amber while watched and red in control, and never in the helper's picture", async () => {
    const opened = await helper.api('POST', '/api/sessions/open', { invitation: await invite(), password: PASSWORD, helperName: 'Hank' });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    await roles.novicePage.locator('#ra-accept').click();
    await helperPage.locator('canvas#ra-screen[data-ready="true"]').waitFor();
    await until(async () => (await xScreenshot(desktop.display)).rgb(512, 2) === WATCHING_RGB, 10_000, 'the amber border on the X screen', 100);
    await saveXScreen(desktop.display, 'desktop-01-novice-screen-watched');
    await helperPage.waitForTimeout(500);
    for (const [x, y] of [
      [512, 2],
      [2, 400],
      [1021, 400],
      [512, 765],
      [512, 15],
    ]) {
      assert.notEqual(await helperSees(helperPage, x, y), WATCHING_RGB, `the helper sees no border at (${x}, ${y})`);
      assert.notEqual(await helperSees(helperPage, x, y), 0x1f2937, `nor the bar at (${x}, ${y})`);
    }
    const real = await xScreenshot(desktop.display);
    assert.equal(real.rgb(512, 15), 0x1f2937, 'the bar is on the X screen');

    await grantControl();
    await until(async () => (await xScreenshot(desktop.display)).rgb(512, 2) === CONTROLLING_RGB, 10_000, 'the red border', 100);
    await saveXScreen(desktop.display, 'desktop-02-novice-screen-controlled');
    assert.notEqual(await helperSees(helperPage, 512, 2), CONTROLLING_RGB);
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
      page = await headed.newPage({ viewport: null });
      await page.goto(novice.url);
      second = await RaProcess.start('desktop-second-helper', { port: 34613 });
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
  });
});
