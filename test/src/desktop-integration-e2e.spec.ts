import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { until } from '@ra/kernel/testing';
import { xdgSandbox, type XdgSandbox } from '@ra/test-kit';
import type { Browser } from 'playwright-core';
import { launchChromium, snap } from './e2e/browser.js';
import { RaProcess } from './e2e/ra-process.js';
import { RA_BIN } from './fixtures.js';

const run = promisify(execFile);
const PASSWORD = 'silver-kite-8';

/**
 * `ra integrate desktop` in a sandboxed HOME and XDG folders: the invitation type, the launcher and the defaults,
 * checked with xdg-mime and desktop-file-validate; then the launcher's Exec line run as a double-click runs it, for a
 * helper whose RA is not running yet: RA starts, the browser (a recorder) is asked to open a 0600 file that redirects to
 * RA's page, and Chromium opening it shows the invitation with the password prompt; the helper connects. `--uninstall`
 * undoes it all.
 */
describe('end to end: the desktop opens invitations (ra integrate desktop, ra show)', function () {
  this.timeout(120_000);
  let dir: string;
  let xdg: NodeJS.ProcessEnv;
  let novice: RaProcess;
  let browser: Browser;
  let invitation: string;
  let helperHome: string;
  let browserSandbox: XdgSandbox;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-e2e-desktop-'));
    // The helper's browser: the default for http and HTML files in a desktop of its own, writing down what it opens.
    browserSandbox = await xdgSandbox(dir, ['x-scheme-handler/http', 'text/html']);
    xdg = browserSandbox.env;
    novice = await RaProcess.start('desktop-novice', { port: 24581 });
    invitation = join(dir, 'Invitation from Nora.msrcincident');
    const made = await novice.api('POST', '/api/invitations', { via: 'file', target: invitation, password: PASSWORD, name: 'Nora' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    helperHome = join(dir, 'helper-ra');
    await mkdir(helperHome, { recursive: true });
    await writeFile(join(helperHome, 'settings.json'), JSON.stringify({ plugins: { 'ra.session': { settings: { listenHost: '127.0.0.1', port: 24582 } } } }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await novice?.stop();
    // The helper's RA that `ra show` started, stopped by its PID.
    const status = await readFile(join(helperHome, 'run', 'host.json'), 'utf8').catch(() => undefined);
    if (status) process.kill(JSON.parse(status).pid, 'SIGTERM');
    await until(async () => !(await stat(join(helperHome, 'run', 'host.json')).catch(() => undefined)), 10_000, 'the helper RA did not stop', 100).catch(
      () => undefined,
    );
    await rm(dir, { recursive: true, force: true });
  });

  const ra = (...args: string[]) => run(process.execPath, [RA_BIN, ...args], { env: { ...process.env, ...xdg } });
  const query = async (...args: string[]) => (await run('xdg-mime', ['query', ...args], { env: { ...process.env, ...xdg } })).stdout.trim();

  it('installs the invitation type, a valid launcher and the defaults for files and ra-invite: links', async () => {
    const { stdout } = await ra('integrate', 'desktop');
    assert.match(stdout, /^Installed the type application\/x-msrcincident \(\*\.msrcincident\): .*ra-msrcincident\.xml$/m);
    const launcher = join(dir, 'data', 'applications', 'ra-assist.desktop');
    await run('desktop-file-validate', [launcher]);
    assert.match(await readFile(launcher, 'utf8'), /^Exec=\S+ \S+main\.js show %u$/m);
    assert.equal(await query('filetype', invitation), 'application/x-msrcincident');
    assert.equal(await query('default', 'application/x-msrcincident'), 'ra-assist.desktop');
    assert.equal(await query('default', 'x-scheme-handler/ra-invite'), 'ra-assist.desktop');
  });

  it('opens a double-clicked invitation: RA starts, the page shows it and asks for the password, and the helper connects', async () => {
    // As the file manager runs it: the launcher's Exec line, %u the file, for a helper whose RA is not running.
    const exec = /^Exec=(.*)$/m.exec(await readFile(join(dir, 'data', 'applications', 'ra-assist.desktop'), 'utf8'))![1].split(' ');
    const [command, ...args] = exec.map((a) => (a === '%u' ? invitation : a));
    const shown = await run(command, args, {
      env: {
        ...process.env,
        ...xdg,
        DISPLAY: ':99',
        RA_HOME: helperHome,
        RA_UNMANAGED: '1',
        RA_POLICY: join(dir, 'none.json'),
        RA_OPS_KEY: join(dir, 'none.pub'),
      },
    });
    assert.equal(shown.stdout, `RA opens the invitation in your browser: ${invitation}\n`);
    // xdg-open hands a file:// address to the browser as a path or as the URL, as the browser's launcher asks.
    const given = await browserSandbox.next('/run/show-');
    const address = given.startsWith('file://') ? given : pathToFileURL(given).href;
    // The browser's command line, readable by any local user, names a file only this user can read.
    const { secret } = JSON.parse(await readFile(join(helperHome, 'run', 'host.json'), 'utf8')).api;
    assert.ok(!given.includes(secret) && !given.includes('token'), given);
    const redirect = fileURLToPath(address);
    assert.equal((await stat(redirect)).mode & 0o777, 0o600);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(address);
    await until(
      async () =>
        /Nora/.test(
          (await page
            .locator('#ra-preview')
            .textContent()
            .catch(() => '')) ?? '',
        ),
      15_000,
      'the invitation was not shown',
    );
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ra-password', 'the password is asked for next');
    assert.equal(new URL(page.url()).hash, '', 'the secret and the invitation are gone from the address bar');
    await snap(page, 'integrate-01-double-clicked-invitation');
    await page.locator('#ra-password').fill(PASSWORD);
    await page.getByLabel(/Your name/).fill('Hank');
    await page.locator('#ra-connect').click();
    await novice.answer();
    await page.waitForFunction(() => document.querySelector('#ra-session-state')?.textContent === 'Connected');
    await snap(page, 'integrate-02-helper-connected');
    await page.close();
  });

  it('removes all of it with --uninstall', async () => {
    const { stdout } = await ra('integrate', 'desktop', '--uninstall');
    assert.match(stdout, /^Removed .*ra-msrcincident\.xml, .*ra-assist\.desktop and RA's defaults in .*mimeapps\.list$/m);
    assert.equal(await query('default', 'application/x-msrcincident'), '');
    await assert.rejects(stat(join(dir, 'data', 'applications', 'ra-assist.desktop')), /ENOENT/);
  });
});
