import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, snap } from './e2e/browser.js';
import { NO_BUILTINS, RunningRa, Workspace } from './fixtures.js';

/** A route with an effect, counted, and a socket: what a foreign page would want to reach. */
const NODE_SIDE = `let pokes = 0;
export default definePlugin({ module: new ContainerModule(({ bind }) => {
  bind(ra.ApiRoute).toConstantValue({ id: 'poke', method: 'POST', path: '/api/test/poke', handle: () => ++pokes });
  bind(ra.ApiRoute).toConstantValue({ id: 'pokes', method: 'GET', path: '/api/test/pokes', handle: () => pokes });
  bind(ra.ApiSocket).toConstantValue({ id: 'hello', path: '/api/test/socket', connect(s) { s.send('hello'); } });
}) });`;

/** The real page's side: proves the request and the socket work, into #seen. */
const BROWSER_SIDE = `export default {
  async activate(wb) {
    const out = document.createElement('pre');
    out.id = 'seen';
    const pokes = await wb.request('GET', '/api/test/pokes');
    wb.connect('/api/test/socket').onMessage((d) => { out.textContent = JSON.stringify({ pokes, socket: d }); wb.main.append(out); });
  },
};`;

/** Everything a page on another port can try against RA at `ra`; the outcome goes into #done. */
const foreignPage = (ra: string) => `<!doctype html><html><body><pre id="done"></pre><script>
(async () => {
  const tried = { stored: sessionStorage.getItem('ra.token'), cookie: document.cookie };
  const attempt = (name, p) => p.then((r) => (tried[name] = r.type + ' ' + r.status), (e) => (tried[name] = 'failed: ' + e.message));
  await attempt('no-cors GET', fetch('${ra}/api/test/pokes', { mode: 'no-cors', credentials: 'include' }));
  await attempt('no-cors POST', fetch('${ra}/api/test/poke', { method: 'POST', mode: 'no-cors', credentials: 'include' }));
  await attempt('cors POST', fetch('${ra}/api/test/poke', { method: 'POST', credentials: 'include' }));
  tried.socket = await new Promise((done) => {
    const ws = new WebSocket('${ra.replace('http', 'ws')}/api/test/socket', ['ra']);
    ws.onmessage = (e) => done('got ' + e.data);
    ws.onclose = () => done('closed');
  });
  document.getElementById('done').textContent = JSON.stringify(tried);
})();
</script></body></html>`;

describe('web: the UI secret stays with the page', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let ra: RunningRa;
  let browser: Browser;

  before(async () => {
    ws = await Workspace.create();
    await ws.settings(NO_BUILTINS);
    const contributes = { ApiRoute: ['poke', 'pokes'], ApiSocket: ['hello'] };
    const dir = await ws.plugin('test.secret', { entries: { node: 'index.js', browser: 'dist/browser/index.js' }, contributes }, NODE_SIDE);
    await mkdir(join(dir, 'dist', 'browser'), { recursive: true });
    await writeFile(join(dir, 'dist', 'browser', 'index.js'), BROWSER_SIDE);
    const env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins };
    ra = await RunningRa.start(env, '--ui-port', '0');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ra?.stop();
    await ws?.remove();
  });

  const address = () => new URL(`/#token=${ra.secret}`, ra.url).href;
  const pokes = async () => (await fetch(new URL('/api/test/pokes', ra.url), { headers: { authorization: `Bearer ${ra.secret}` } })).json();

  /** Opens the real UI as a person does and waits until its request and socket worked. */
  async function openUi(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(address());
    await page.waitForSelector('#seen');
    assert.deepEqual(JSON.parse((await page.textContent('#seen'))!), { pokes: 0, socket: 'hello' });
    return page;
  }

  it('takes the secret from the fragment, clears it from the address bar, and keeps it for a reload in that tab only', async () => {
    const context = await browser.newContext();
    try {
      const page = await openUi(context);
      assert.equal(page.url(), ra.url.href, 'the secret stayed in the address bar');
      await page.reload();
      await page.waitForSelector('#seen');
      assert.equal(page.url(), ra.url.href);
      assert.deepEqual(await context.cookies(), []);

      const other = await context.newPage();
      await other.goto(ra.url.href);
      await other.waitForSelector('.ra-notice');
      assert.match((await other.textContent('.ra-notice'))!, /Please use the address RA gave you.*http:\/\/127\.0\.0\.1:\d+\/#token=…/s);
      await snap(other, 'web-no-secret');
      await other.goto(`${ra.url.href}#token=not-the-secret`);
      await other.waitForSelector('.ra-notice');
      assert.equal(await other.evaluate(() => sessionStorage.getItem('ra.token')), null, 'a refused secret was kept');
    } finally {
      await context.close();
    }
  });

  it('gives a page on another local port nothing to replay, and no way into the API', async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const foreign: Server = createServer((req, res) => {
      seen.push({ url: req.url!, headers: req.headers });
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(foreignPage(ra.url.origin));
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext();
    try {
      const page = await openUi(context);
      // The same tab, then another one: neither shares anything with the other port.
      for (const tab of [page, await context.newPage()]) {
        await tab.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
        await tab.waitForFunction(() => document.getElementById('done')?.textContent);
        const tried = JSON.parse((await tab.textContent('#done'))!);
        assert.deepEqual([tried.stored, tried.cookie], [null, '']);
        // Blocked or opaque (Cross-Origin-Resource-Policy), never readable; the writes are refused by Origin anyway.
        for (const write of ['no-cors GET', 'no-cors POST', 'cors POST']) assert.match(tried[write], /^(failed|opaque 0)/, write);
        assert.equal(tried.socket, 'closed');
      }
      assert.ok(seen.length >= 2);
      assert.ok(!JSON.stringify(seen).includes(ra.secret), 'the other port received the secret');
      for (const { headers } of seen) {
        const replay = { cookie: headers.cookie ?? '', authorization: headers.authorization ?? '' };
        const reply = await fetch(new URL('/api/test/poke', ra.url), { method: 'POST', headers: replay });
        assert.equal(reply.status, 401, JSON.stringify(replay));
      }
      assert.equal(await pokes(), 0, 'a foreign page reached the API');
    } finally {
      await context.close();
      await new Promise((resolve) => foreign.close(resolve));
    }
  });
});
