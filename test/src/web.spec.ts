import assert from 'node:assert/strict';
import { until } from '@ra/kernel/testing';
import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { NO_BUILTINS, RA_BIN, RunningRa, Workspace } from './fixtures.js';

/** A plugin with every kind of route outcome, a socket and browser files. */
const WEB_PLUGIN = `
let host;
const routes = [
  { id: 'echo', method: 'POST', path: '/api/test/echo/:name', handle: (r) => ({ params: r.params, query: Object.fromEntries(r.query), body: r.body }) },
  { id: 'teapot', method: 'GET', path: '/api/test/teapot', handle: () => { throw new ra.ApiError(418, 'short and stout'); } },
  { id: 'refused', method: 'GET', path: '/api/test/refused', handle: () => { throw new ra.RaError('that ticket is not yours'); } },
  { id: 'boom', method: 'GET', path: '/api/test/boom', handle: () => { throw new Error('kaboom'); } },
  { id: 'env', method: 'GET', path: '/api/test/env', handle: () => ({ port: host.listenPort, display: host.display }) },
];
const socket = {
  id: 'echo-socket',
  path: '/api/test/socket',
  connect(s, query) {
    s.send('hello ' + query.get('name'));
    s.onMessage((d) => s.send(typeof d === 'string' ? 'echo:' + d + ':' + s.buffered : Uint8Array.from(d).reverse()));
  },
};
export default definePlugin({ module: new ContainerModule(({ bind }) => {
  for (const r of routes) bind(ra.ApiRoute).toConstantValue(r);
  bind(ra.ApiSocket).toConstantValue(socket);
}), activate(ctx) { host = ctx.get(ra.HostEnvironment); } });`;

/** Activates after test.web and serves one of its paths: the first plugin's route must win. */
const SHADOW_PLUGIN = `export default definePlugin({ module: new ContainerModule(({ bind }) => {
  bind(ra.ApiRoute).toConstantValue({ id: 'shadow', method: 'GET', path: '/api/test/teapot', handle: () => 'shadow' });
}) });`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

describe('web: local server', () => {
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let ra: RunningRa;

  before(async () => {
    ws = await Workspace.create();
    env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins };
    await ws.settings(NO_BUILTINS);
    const ids = { ApiRoute: ['echo', 'teapot', 'refused', 'boom', 'env'], ApiSocket: ['echo-socket'] };
    const dir = await ws.plugin('test.web', { entries: { node: 'index.js', browser: 'dist/browser/index.js' }, contributes: ids }, WEB_PLUGIN);
    await mkdir(join(dir, 'dist', 'browser'), { recursive: true });
    await writeFile(join(dir, 'dist', 'browser', 'index.js'), 'export default { activate() {} };\n');
    await writeFile(join(dir, 'dist', 'browser', 'style.css'), 'body { color: red }\n');
    await writeFile(join(dir, 'dist', 'browser', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
    await writeFile(join(dir, 'dist', 'browser', 'notes.txt'), 'not for the web\n');
    await writeFile(join(dir, 'private.js'), 'export const secret = 1;\n');
    await symlink(join(dir, 'private.js'), join(dir, 'dist', 'browser', 'escape.js'));
    await ws.plugin('test.zshadow', { contributes: { ApiRoute: ['shadow'] } }, SHADOW_PLUGIN);
    ra = await RunningRa.start(env, '--ui-port', '0', '--port', '25999', '--display', ':96');
  });
  after(async () => {
    await ra?.stop();
    await ws.remove();
  });

  /** A raw HTTP request, so tests choose every header, Host included. */
  function call(method: string, path: string, o: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { host: `127.0.0.1:${ra.port}`, ...o.headers };
      if (o.body !== undefined && !o.chunked) headers['content-length'] = String(Buffer.byteLength(o.body));
      const req = httpRequest({ host: '127.0.0.1', port: ra.port, method, path, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }));
      });
      req.on('error', reject);
      if (o.chunked && o.body !== undefined) {
        const bytes = Buffer.from(o.body);
        for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
      } else if (o.body !== undefined) req.write(o.body);
      req.end();
    });
  }
  const bearer = () => ({ authorization: `Bearer ${ra.secret}` });
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(method, path, {
      headers: { ...bearer(), 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('records its address and secret in a status file only this user can read', async () => {
    const path = join(ws.home, 'run', 'host.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(ws.home, 'run'))).mode & 0o777, 0o700);
    const status = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(status.api, { url: ra.url.href, secret: ra.secret });
    assert.match(ra.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(ra.url.hostname, '127.0.0.1');
  });

  it('hands the novice port and the display to plugins through HostEnvironment, not process.env', async () => {
    assert.deepEqual((await api('GET', '/api/test/env')).json(), { port: 25999, display: ':96' });
  });

  it('prints its address with the secret in the fragment, which browsers never send', async () => {
    assert.match(ra.output(), new RegExp(`^Open RA: http://127\\.0\\.0\\.1:${ra.port}/#token=${ra.secret}$`, 'm'));
  });

  it('refuses the API without the secret in Authorization, whatever cookie comes with it', async () => {
    const anonymous = await call('GET', '/api/ui/plugins');
    assert.equal(anonymous.status, 401);
    assert.match((anonymous.json() as { error: string }).error, new RegExp(`secret address .*http://127\\.0\\.0\\.1:${ra.port}/#token=…`));
    assert.equal((await call('GET', '/api/ui/plugins', { headers: { authorization: 'Bearer nope' } })).status, 401);
    // The cookie of earlier versions, which any server on another local port received and replayed.
    for (const cookie of [`ra-${ra.port}=${ra.secret}`, `ra=${ra.secret}`, `token=${ra.secret}`]) {
      assert.equal((await call('GET', '/api/ui/plugins', { headers: { cookie } })).status, 401, cookie);
      assert.equal((await call('POST', '/api/test/echo/x', { headers: { cookie }, body: '{}' })).status, 401, cookie);
    }
  });

  it('refuses the secret in the query, on the API and the page alike, and never logs it', async () => {
    for (const path of ['/api/ui/plugins', '/', '/shell.js', '/api/test/boom']) {
      const reply = await call('GET', `${path}?k=${ra.secret}`);
      assert.equal(reply.status, 401, path);
      assert.match(reply.text, /never in the query/, path);
      assert.ok(!reply.text.includes(ra.secret), path);
    }
    assert.equal((await call('GET', `/api/ui/plugins?k=${ra.secret}`, { headers: bearer() })).status, 401);
    assert.equal((await call('GET', `/api/test/boom?token=${ra.secret}`)).status, 401);
    assert.equal(ra.output().split(ra.secret).length, 2, 'the secret shows once, in the printed address');
  });

  it('serves the page and its scripts, which hold no secret, and never sets a cookie', async () => {
    const page = await call('GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type']!, /^text\/html/);
    assert.match(page.text, /<script type="module" src="\/shell.js"><\/script>/);
    assert.match(page.text, /RA — Remote Assistance/);
    const shell = await call('GET', '/shell.js');
    assert.equal(shell.status, 200);
    assert.match(shell.headers['content-type']!, /^text\/javascript/);
    assert.match(shell.text, /\/api\/ui\/plugins/);
    for (const path of ['/workbench.js', '/access.js', '/token.js', '/plugins/test.web/browser/index.js'])
      assert.equal((await call('GET', path)).status, 200, path);
    assert.match((await call('GET', '/shell.css')).headers['content-type']!, /^text\/css/);
    const tag = shell.headers.etag;
    assert.ok(tag, 'scripts carry a tag to revalidate with');
    assert.equal(shell.headers['cache-control'], 'no-cache');
    assert.equal((await call('GET', '/shell.js', { headers: { 'If-None-Match': String(tag) } })).status, 304, 'a page that has the script gets "not modified"');
    assert.equal((await call('GET', '/shell.js', { headers: { 'If-None-Match': 'W/"other"' } })).status, 200);
    for (const reply of [page, shell, await api('GET', '/api/ui/plugins')]) {
      assert.equal(reply.headers['set-cookie'], undefined);
      assert.ok(!reply.text.includes(ra.secret));
    }
    assert.deepEqual((await api('GET', '/api/ui/plugins')).json(), [{ id: 'test.web', entry: '/plugins/test.web/browser/index.js' }]);
  });

  it('sends security headers, and no-store on the API', async () => {
    const reply = await api('GET', '/api/ui/plugins');
    const csp = String(reply.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /img-src 'self' data: blob:/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(reply.headers['x-frame-options'], 'DENY');
    assert.equal(reply.headers['referrer-policy'], 'no-referrer');
    assert.equal(reply.headers['cache-control'], 'no-store');
  });

  it('refuses a foreign Host header (DNS rebinding) and cross-origin writes', async () => {
    const rebound = await call('GET', '/api/ui/plugins', { headers: { ...bearer(), host: `evil.example:${ra.port}` } });
    assert.equal(rebound.status, 403);
    assert.match((rebound.json() as { error: string }).error, /Host header 'evil\.example:\d+' is not this RA server/);
    assert.equal((await call('GET', '/', { headers: { host: 'localhost:1' } })).status, 403);
    assert.equal((await api('GET', '/api/ui/plugins', undefined, { host: `localhost:${ra.port}` })).status, 200);
    const foreign = await api('POST', '/api/test/echo/x', {}, { origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    assert.match((foreign.json() as { error: string }).error, /requests from http:\/\/evil\.example are not allowed/);
    assert.equal((await api('POST', '/api/test/echo/x', {}, { origin: `http://127.0.0.1:${ra.port}` })).status, 200);
  });

  it('dispatches to plugin routes with params, query and body', async () => {
    const reply = await api('POST', '/api/test/echo/a%20b?x=1&y=two', { n: 1, list: [true] });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json(), { params: { name: 'a b' }, query: { x: '1', y: 'two' }, body: { n: 1, list: [true] } });
    assert.deepEqual((await api('POST', '/api/test/echo/x')).json(), { params: { name: 'x' }, query: {} });
  });

  it('maps route errors: ApiError keeps its status, RaError is 400, anything else 500 and logged', async () => {
    const teapot = await api('GET', '/api/test/teapot');
    assert.deepEqual([teapot.status, teapot.json()], [418, { error: 'short and stout' }]);
    const refused = await api('GET', '/api/test/refused');
    assert.deepEqual([refused.status, refused.json()], [400, { error: 'that ticket is not yours' }]);
    const boom = await api('GET', '/api/test/boom');
    assert.deepEqual([boom.status, boom.json()], [500, { error: 'internal error in boom: kaboom' }]);
    await until(() => /API route 'boom' failed: Error: kaboom\n\s+at /.test(ra.output()), 5000, 'no log of the crash', 20);
  });

  it('lets the first plugin win a clash of routes and logs the clash once', async () => {
    await api('GET', '/api/test/teapot');
    assert.equal((await api('GET', '/api/test/teapot')).status, 418);
    const lines = ra
      .output()
      .split('\n')
      .filter((l) => l.includes("API route 'shadow' (GET /api/test/teapot) is ignored: route 'teapot' already serves it"));
    assert.equal(lines.length, 1, ra.output());
  });

  it('answers unknown routes 404, malformed JSON 400 and oversize bodies 413, as JSON', async () => {
    const unknown = await api('GET', '/api/nothing/here');
    assert.deepEqual([unknown.status, unknown.json()], [404, { error: 'no API route for GET /api/nothing/here' }]);
    assert.equal((await api('DELETE', '/api/test/teapot')).status, 405);
    const malformed = await call('POST', '/api/test/echo/x', { headers: bearer(), body: '{ "a": ' });
    assert.equal(malformed.status, 400);
    assert.match((malformed.json() as { error: string }).error, /^the request body is not valid JSON/);
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    for (const chunked of [false, true]) {
      const tooLarge = await call('POST', '/api/test/echo/x', { headers: bearer(), body: big, chunked });
      assert.equal(tooLarge.status, 413, `chunked: ${chunked}`);
      assert.match((tooLarge.json() as { error: string }).error, /larger than 1048576 bytes/);
    }
    const fits = Buffer.from(JSON.stringify({ s: 'x'.repeat(1024 * 1024 - 20) }));
    assert.equal((await call('POST', '/api/test/echo/x', { headers: bearer(), body: fits })).status, 200);
  });

  it('serves plugin browser files with their types, and nothing outside dist or of other types', async () => {
    const file = (path: string) => call('GET', path, { headers: bearer() });
    const script = await file('/plugins/test.web/browser/index.js');
    assert.deepEqual([script.status, script.headers['content-type']], [200, 'text/javascript; charset=utf-8']);
    assert.equal(script.text, 'export default { activate() {} };\n');
    assert.equal((await file('/plugins/test.web/browser/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await file('/plugins/test.web/browser/icon.svg')).headers['content-type'], 'image/svg+xml');
    assert.equal((await file('/plugins/test.web/browser/notes.txt')).status, 403);
    for (const path of [
      '/plugins/test.web/browser/escape.js',
      '/plugins/test.web/..%2fprivate.js',
      '/plugins/test.web/browser/..%2f..%2fprivate.js',
      '/plugins/test.web/%2e%2e/private.js',
      '/plugins/test.web/../private.js',
      '/plugins/test.web/browser/%2e%2e%2f%2e%2e%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/plugins/test.zshadow/index.js',
      '/plugins/ra.file/dist/node/index.js',
      '/../package.json',
    ]) {
      const reply = await file(path);
      assert.ok(reply.status >= 400 && reply.status < 500, `${path}: ${reply.status}`);
      assert.doesNotMatch(reply.text, /secret|root:/, path);
    }
  });

  /** A WebSocket to the test socket; resolves once open, with everything it received. */
  function connect(
    headers: Record<string, string>,
    origin = `http://127.0.0.1:${ra.port}`,
    protocols: string[] = [],
  ): Promise<{ socket: WebSocket; received: (string | Buffer)[] }> {
    const socket = new WebSocket(`ws://127.0.0.1:${ra.port}/api/test/socket?name=Ann`, protocols, { headers, origin });
    const received: (string | Buffer)[] = [];
    socket.on('message', (data: Buffer, binary: boolean) => received.push(binary ? data : data.toString('utf8')));
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve({ socket, received }));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  it('carries text and binary over a plugin WebSocket', async () => {
    const { socket, received } = await connect(bearer());
    socket.send('hi');
    socket.send(Uint8Array.from([1, 2, 3]));
    await until(() => received.length === 3, 5000, 'not all three messages came back', 20);
    assert.equal(received[0], 'hello Ann');
    assert.equal(received[1], 'echo:hi:0');
    assert.deepEqual([...(received[2] as Buffer)], [3, 2, 1]);
    socket.close();
  });

  it("takes a page's secret as a WebSocket subprotocol, and answers without echoing it", async () => {
    const { socket, received } = await connect({}, undefined, ['ra', `ra-token.${ra.secret}`]);
    assert.equal(socket.protocol, 'ra');
    await until(() => received.length === 1, 5000, 'no greeting', 20);
    socket.close();
    await assert.rejects(connect({}, undefined, ['ra', 'ra-token.nope']), /HTTP 401/);
    await assert.rejects(connect({}, `http://127.0.0.1:${ra.port + 1}`, ['ra', `ra-token.${ra.secret}`]), /HTTP 403/);
  });

  it('refuses WebSocket upgrades without the secret, with a cookie, from another origin or to an unknown path', async () => {
    await assert.rejects(connect({}), /HTTP 401/);
    await assert.rejects(connect({ cookie: `ra-${ra.port}=${ra.secret}` }), /HTTP 401/);
    await assert.rejects(connect(bearer(), 'http://evil.example'), /HTTP 403/);
    await assert.rejects(connect({ ...bearer(), host: 'evil.example' }), /HTTP 403/);
    const stray = new WebSocket(`ws://127.0.0.1:${ra.port}/api/nowhere`, { headers: bearer() });
    await assert.rejects(new Promise((_, reject) => stray.once('unexpected-response', (_r, res) => reject(new Error(`HTTP ${res.statusCode}`)))), /HTTP 404/);
  });

  it('drops the routes, files and sockets of a plugin disabled while RA runs', async () => {
    const { socket } = await connect(bearer());
    const closed = new Promise<[number, string]>((r) => socket.once('close', (code, reason) => r([code, reason.toString()])));
    const off = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [RA_BIN, 'plugins', 'disable', 'test.web'], { env }, (e, _o, stderr) => resolve({ code: e ? Number(e.code) : 0, stderr })),
    );
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(await closed, [1001, 'the plugin serving this socket stopped']);
    assert.equal((await api('GET', '/api/test/teapot')).json() as string, 'shadow');
    assert.deepEqual((await api('GET', '/api/ui/plugins')).json(), []);
    assert.equal((await call('GET', '/plugins/test.web/browser/index.js', { headers: bearer() })).status, 404);
  });

  it('stops cleanly on SIGTERM and removes the status file', async () => {
    assert.equal(await ra.stop(), 0);
    assert.match(ra.output(), /RA stopped/);
    await assert.rejects(stat(join(ws.home, 'run', 'host.json')), /ENOENT/);
  });
});
