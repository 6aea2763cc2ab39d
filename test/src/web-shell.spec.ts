import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './e2e/browser.js';
import { NO_BUILTINS, RunningRa, Workspace } from './fixtures.js';

const NODE_SIDE = `export default definePlugin({ module: new ContainerModule(({ bind }) => {
  bind(ra.ApiRoute).toConstantValue({ id: 'echo', method: 'POST', path: '/api/test/echo', handle: (r) => ({ got: r.body }) });
  bind(ra.ApiRoute).toConstantValue({ id: 'teapot', method: 'GET', path: '/api/test/teapot', handle: () => { throw new ra.ApiError(418, 'short and stout'); } });
  bind(ra.ApiSocket).toConstantValue({ id: 'echo-socket', path: '/api/test/socket', connect(s) {
    s.onMessage((d) => s.send(typeof d === 'string' ? 'echo:' + d : Uint8Array.from(d).reverse()));
  } });
}) });`;

/** Uses every part of the Workbench and writes what it saw into the page. */
const GOOD_BROWSER = `export default {
  async activate(wb) {
    const out = document.createElement('pre');
    out.id = 'seen';
    wb.main.append(out);
    const seen = {};
    const show = () => (out.textContent = JSON.stringify(seen));
    seen.echo = await wb.request('POST', '/api/test/echo', { a: 1 });
    seen.error = await wb.request('GET', '/api/test/teapot').catch((e) => e.message);
    let changes = 0;
    wb.onDidChange('Widget', () => changes++);
    const widget = wb.contribute('Widget', { id: 'w' });
    wb.contribute('Gadget', { id: 'g' });
    seen.registry = [wb.contributions('Widget').length, changes];
    widget.dispose();
    seen.registry.push(wb.contributions('Widget').length, changes);
    const socket = wb.connect('/api/test/socket');
    seen.socket = [];
    socket.onMessage((d) => { seen.socket.push(typeof d === 'string' ? d : Array.from(d)); show(); });
    socket.send('hi');
    socket.send(new Uint8Array([1, 2, 3]));
    show();
  },
};`;

describe('web: browser shell', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let ra: RunningRa | undefined;
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    ws = await Workspace.create();
    await ws.settings(NO_BUILTINS);
  });
  afterEach(async () => {
    await ra?.stop();
    ra = undefined;
    await ws.remove();
  });

  async function browserPlugin(id: string, code: string, node = 'export default definePlugin({});', contributes = {}): Promise<void> {
    const dir = await ws.plugin(id, { entries: { node: 'index.js', browser: 'dist/browser/index.js' }, contributes }, node);
    await mkdir(join(dir, 'dist', 'browser'), { recursive: true });
    await writeFile(join(dir, 'dist', 'browser', 'index.js'), code);
  }

  async function open(): Promise<{ page: Page; problems: string[] }> {
    const env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins };
    ra = await RunningRa.start(env, '--ui-port', '0');
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    await page.goto(new URL(`/#token=${ra.secret}`, ra.url).href);
    return { page, problems };
  }

  it('loads every plugin, gives it a working Workbench, and reports the ones that fail', async () => {
    await browserPlugin('test.good', GOOD_BROWSER, NODE_SIDE, { ApiRoute: ['echo', 'teapot'], ApiSocket: ['echo-socket'] });
    await browserPlugin('test.broken', "export default { activate() { throw new Error('no luck'); } };");
    await browserPlugin('test.garbled', 'export default {');
    const { page, problems } = await open();
    assert.equal(new URL(page.url()).hash, '', 'the secret stayed in the address bar');
    await page.waitForFunction(() => (JSON.parse(document.getElementById('seen')?.textContent || '{}').socket ?? []).length === 2);
    const seen = JSON.parse((await page.textContent('#seen'))!);
    assert.deepEqual(seen, { echo: { got: { a: 1 } }, error: 'short and stout', registry: [1, 1, 0, 2], socket: ['echo:hi', [3, 2, 1]] });
    await page.waitForFunction(() => document.querySelectorAll('.ra-banner').length === 2);
    const banners = await page.locator('.ra-banner').allTextContents();
    assert.equal(banners[0], 'The plugin test.broken could not start: no luck');
    assert.match(banners[1], /^The plugin test\.garbled could not start: /);
    assert.equal(await page.textContent('h1'), 'RA — Remote Assistance');
    assert.deepEqual(
      problems.filter((p) => /Content Security Policy/.test(p)),
      [],
    );
  });

  it('says which plugin normally provides the page when nothing renders', async () => {
    await browserPlugin('test.quiet', 'export default { activate() {} };');
    const { page } = await open();
    await page.waitForSelector('.ra-notice');
    assert.match((await page.textContent('.ra-notice'))!, /normally provided by the ra\.session plugin.*ra plugins list/s);
  });
});
