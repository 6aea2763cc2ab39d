import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { until } from '@ra/kernel/testing';
import type { Page } from 'playwright-core';
import { canvasRegion, snap } from './e2e/browser.js';
import { showPhoto } from '@ra/test-kit';
import { TwoRoles } from './e2e/roles.js';
import { differingPixels, meanDifference, xScreenshot } from './e2e/xwd.js';

const PASSWORD = 'amber-harbour-19';
const SCREEN = { width: 1024, height: 700 };
/** The screen inside the border RA's indicator draws on the novice's desktop (which helpers never see). */
const INSIDE = { x: 64, y: 96, width: 896, height: 540 };

/** Waits for the canvas's state attribute, and says how long that took since `from`. */
async function canvasState(page: Page, state: 'ready' | 'exact', from: number): Promise<number> {
  await page.locator(`canvas#ra-screen[data-${state}="true"]`).waitFor({ timeout: 15_000 });
  return Math.round(performance.now() - from);
}

describe('end to end: a photo-like desktop as video first, then bit-exact (hybrid screen)', function () {
  this.timeout(120_000);
  let roles: TwoRoles;
  let photo: ChildProcess | undefined;

  before(async () => {
    roles = await TwoRoles.start('hybrid', { ports: [24621, 24622], screen: SCREEN });
    photo = await showPhoto(roles.desktop.display, join(roles.folder, 'photo.xwd'), SCREEN.width, SCREEN.height);
  });
  after(async () => {
    photo?.kill();
    await roles?.stop();
  });

  it('shows the first picture whole quickly as VP9 video, then exactly the X screen (decoded in a worker), and says so in the statistics', async () => {
    const { novicePage, helperPage, folder } = roles;
    await novicePage.getByRole('button', { name: /Invite someone to help you/ }).click();
    const form = novicePage.locator('#ra-invite-form');
    await form.getByLabel('Your name').fill('Nora Novice');
    await form.getByLabel(/^Password/).fill(PASSWORD);
    await form.getByLabel('Type the password again').fill(PASSWORD);
    const invitation = join(folder, 'RAInvitation.msrcincident');
    await form.getByLabel(/Save to/).fill(invitation);
    await form.getByRole('button', { name: 'Create invitation' }).click();
    await novicePage.locator('#ra-invite-done').waitFor();
    await helperPage.getByRole('button', { name: /Help someone who has invited you/ }).click();
    await helperPage.locator('#ra-invitation-file').setInputFiles(invitation);
    await helperPage.locator('#ra-password').fill(PASSWORD);
    await helperPage.getByLabel(/Your name/).fill('Hank Helper');
    await helperPage.locator('#ra-connect').click();
    await novicePage.getByRole('dialog').waitFor();
    const accepted = performance.now();
    await novicePage.locator('#ra-accept').click();
    const whole = await canvasState(helperPage, 'ready', accepted);
    const exact = await canvasState(helperPage, 'exact', accepted);
    await until(
      async () => differingPixels(await xScreenshot(roles.desktop.display), await canvasRegion(helperPage, INSIDE), INSIDE) === 0,
      10_000,
      'the canvas is not the X screen',
      100,
    );
    assert.ok(
      helperPage.workers().some((w) => w.url().endsWith('/plugins/ra.screen/browser/decoder-worker.js')),
      "the exact pixels are decoded in a worker, off the page's main thread",
    );
    await helperPage.getByRole('button', { name: 'Statistics' }).click();
    const stats = helperPage.locator('#ra-screen-stats');
    await until(async () => /VP9 4:4:4 video for big changes/.test((await stats.textContent()) ?? ''), 5000, 'the statistics do not name VP9', 100);
    assert.match((await stats.textContent()) ?? '', /Picture: exact/);
    assert.match((await stats.textContent()) ?? '', /Decoding: in a worker, off the page/);
    assert.match((await stats.textContent()) ?? '', /Video quality: sharpest/, 'a calm local link keeps the sharpest video');
    assert.match((await stats.textContent()) ?? '', /Delay: \d+ ms round trip.*Link: (keeps up with every change so far|[\d.]+ (B|KiB|MiB)\/s while busy)/);
    console.log(`      figures: first picture whole ${whole} ms after Accept, bit-exact ${exact} ms after Accept`);
    await snap(helperPage, 'hybrid-01-photo-exact-with-statistics');
  });

  it('sends a scroll over the photo as video, exact again within 500 ms of the screen going still', async () => {
    const { helperPage, desktop, folder } = roles;
    const old = photo;
    photo = await showPhoto(desktop.display, join(folder, 'photo-2.xwd'), SCREEN.width, SCREEN.height, 48);
    old?.kill();
    const changed = performance.now();
    await helperPage.locator('canvas#ra-screen[data-exact="false"]').waitFor({ timeout: 10_000 });
    const exact = await canvasState(helperPage, 'exact', changed);
    await until(
      async () => differingPixels(await xScreenshot(desktop.display), await canvasRegion(helperPage, INSIDE), INSIDE) === 0,
      10_000,
      'the canvas is not the X screen',
      100,
    );
    console.log(`      figures: bit-exact ${exact} ms after the new picture was drawn on the novice's X screen`);
    assert.ok(exact < 2000, `exact ${exact} ms after the change`);
    await snap(helperPage, 'hybrid-02-scrolled-exact');
  });

  it('plays a film in one part of the screen as video of that part only, close to the X screen, then exact', async () => {
    const { helperPage, desktop } = roles;
    const film = { x: 320, y: 256, width: 320, height: 240 };
    // Slowly moving gradients: a frame or two apart, the film differs little, so the canvas can be held against the X screen.
    const source = `gradients=s=${film.width}x${film.height}:r=25:speed=0.002:c0=0x2060c0:c1=0xe0a040:seed=7`;
    const args = ['-loglevel', 'error', '-an', '-noborder', '-left', String(film.x), '-top', String(film.y), '-f', 'lavfi', '-i', source];
    const player = spawn('ffplay', args, { env: { ...process.env, DISPLAY: desktop.display }, stdio: 'ignore' });
    const stats = helperPage.locator('#ra-screen-stats');
    try {
      // The film grown to whole 16-pixel blocks with a 32-pixel margin: 384×304 of the 1024×700 screen.
      await until(async () => /Video area: 384×304 of the screen/.test((await stats.textContent()) ?? ''), 15_000, 'the video never kept to the film', 100);
      const differences: number[] = [];
      for (let i = 0; i < 5; i++) {
        const [screen, canvas] = await Promise.all([xScreenshot(desktop.display), canvasRegion(helperPage, film)]);
        differences.push(meanDifference(screen, canvas, film));
      }
      await snap(helperPage, 'hybrid-03-film-playing');
      console.log(`      figures: the playing film differs from the X screen by ${differences.map((d) => d.toFixed(1)).join(', ')} per channel on average`);
      assert.ok(Math.max(...differences) < 8, `the film on the canvas is not the one on the X screen: ${differences.join(', ')}`);
    } finally {
      const ended = once(player, 'exit');
      player.kill();
      await ended;
    }
    await until(
      async () => differingPixels(await xScreenshot(desktop.display), await canvasRegion(helperPage, INSIDE), INSIDE) === 0,
      10_000,
      'the canvas is not the X screen once the film ended',
      100,
    );
    await snap(helperPage, 'hybrid-04-film-ended-exact');
  });

  it('decodes on the page when its decoder worker cannot load, and says so in the console', async () => {
    const { helperPage, desktop } = roles;
    const worker = '**/plugins/ra.screen/browser/decoder-worker.js';
    const warnings: string[] = [];
    helperPage.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    await helperPage.route(worker, (route) => route.abort());
    try {
      await helperPage.reload();
      await canvasState(helperPage, 'exact', performance.now());
      await until(
        async () => differingPixels(await xScreenshot(desktop.display), await canvasRegion(helperPage, INSIDE), INSIDE) === 0,
        10_000,
        'the canvas is not the X screen without the worker',
        100,
      );
      assert.equal(helperPage.workers().length, 0);
      // The reloaded view has the pointer's shape although the pointer has not moved since.
      await helperPage.locator('#ra-screen-cursor:not([hidden])').waitFor({ timeout: 5000 });
      assert.ok(
        warnings.some((w) => /screen decoder worker stopped .*decoding on the page instead/.test(w)),
        warnings.join('\n'),
      );
      await helperPage.getByRole('button', { name: 'Statistics' }).click();
      const stats = helperPage.locator('#ra-screen-stats');
      await until(
        async () => /Decoding: on the page \(its worker did not load\)/.test((await stats.textContent()) ?? ''),
        5000,
        'the statistics do not say where it decodes',
        100,
      );
      await snap(helperPage, 'hybrid-05-no-worker-exact');
    } finally {
      await helperPage.unroute(worker);
    }
  });
});
