import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { PluginRecord } from '@ra/kernel';
import { NO_BUILTINS, RA_BIN, RunningRa, Workspace } from './fixtures.js';

/** Plugin code that runs `body` once, a moment after activation, from a timer: nothing the kernel awaits. */
const later = (body: string, imports = '') => `${imports}
export default definePlugin({ activate() { setTimeout(() => { ${body} }, 200); } });`;

describe('plugin faults in a running host', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let host: RunningRa | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    await ws.settings(NO_BUILTINS);
    env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins, RA_PORT: 'off' };
    await ws.plugin('test.calm');
  });

  afterEach(async () => {
    await host?.stop();
    host = undefined;
    await ws.remove();
  });

  function plugins(): Promise<PluginRecord[]> {
    return new Promise((resolve, reject) =>
      execFile(process.execPath, [RA_BIN, 'plugins', 'list', '--json'], { env }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve((JSON.parse(stdout) as { plugins: PluginRecord[] }).plugins),
      ),
    );
  }

  /** The running host's records once `done` holds of them, or after 20 s as they are. */
  async function waitFor(done: (records: PluginRecord[]) => boolean): Promise<(id: string) => PluginRecord> {
    const until = Date.now() + 20_000;
    let records = await plugins();
    while (!done(records) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      records = await plugins();
    }
    return (id) => records.find((r) => r.id === id)!;
  }

  it('disables a plugin that throws from a timer, leaves a rejection unhandled or an error event unheard, and runs on', async () => {
    // Its routes show its contributions going with it; its timer is armed by a request, so its route answers first.
    const routes = `{ id: 'ping', method: 'GET', path: '/api/test/ping', handle: () => 'alive' },
      { id: 'arm', method: 'POST', path: '/api/test/arm', handle: () => { setTimeout(() => { throw new Error('boom from a timer'); }, 100); return {}; } }`;
    const timer = `export default definePlugin({ module: new ContainerModule(({ bind }) => { for (const r of [${routes}]) bind(ra.ApiRoute).toConstantValue(r); }) });`;
    await ws.plugin('test.timer', { contributes: { ApiRoute: ['ping', 'arm'] } }, timer);
    await ws.plugin('test.rejection', {}, later("Promise.reject(new Error('nobody awaits this'));"));
    await ws.plugin(
      'test.emitter',
      {},
      later("new EventEmitter().emit('error', new Error('no listener for this'));", "import { EventEmitter } from 'node:events';"),
    );
    // Node raises this one from its own code: no frame of the plugin is on the stack, only its activation started it.
    await ws.plugin('test.socket', {}, "import { connect } from 'node:net';\nexport default definePlugin({ activate() { connect(1, '127.0.0.1'); } });");
    await ws.plugin('test.after', { requires: ['test.timer'] });
    host = await RunningRa.start(env, '--ui-port', '0');
    const api = (method: string, path: string) => fetch(new URL(path, host!.url), { method, headers: { authorization: `Bearer ${host!.secret}` } });
    assert.equal(await (await api('GET', '/api/test/ping')).json(), 'alive');
    assert.equal((await api('POST', '/api/test/arm')).status, 200);

    const record = await waitFor((rs) => rs.filter((r) => r.state === 'failed').length === 4);
    const reasons: Record<string, RegExp> = {
      'test.timer': /^threw an uncaught exception: boom from a timer$/,
      'test.rejection': /^left a promise rejection unhandled: nobody awaits this$/,
      'test.emitter': /^threw an uncaught exception: no listener for this$/,
      'test.socket': /^threw an uncaught exception: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    };
    for (const [id, reason] of Object.entries(reasons)) {
      assert.equal(record(id).state, 'failed', `${id}: ${record(id).reason}\n${host.output()}`);
      assert.match(record(id).reason, reason);
      assert.match(host.output(), new RegExp(`plugin '${id.replace('.', '\\.')}' ${reason.source.slice(1, -1)}; disabling it`));
    }
    assert.match(record('test.after').reason, /requires 'test\.timer', but test\.timer is failed/);
    assert.equal(record('test.calm').state, 'active');
    assert.equal(host.child.exitCode, null, host.output());
    assert.equal((await api('GET', '/api/test/ping')).status, 404, "the failed plugin's routes are gone");
    assert.equal((await api('GET', '/api/ui/plugins')).status, 200);
    assert.equal(await host.stop(), 0, host.output());
  });

  it('reports a plugin that blocks the event loop while it does, and disables it once it stops', async () => {
    await ws.plugin('test.busy', {}, later('const end = Date.now() + 3000; while (Date.now() < end);'));
    host = await RunningRa.start({ ...env, RA_WATCHDOG_MS: '1000' }, '--ui-port', '0');
    const record = await waitFor((rs) => rs.some((r) => r.state === 'failed'));
    assert.match(
      host.output(),
      /\[ra\] error: the event loop has been blocked for 1\.\d s, in plugin 'test\.busy' at \(anonymous\) \(file:.*test\.busy\/index\.js:\d+:\d+\)/,
    );
    assert.equal(record('test.busy').state, 'failed', host.output());
    assert.match(record('test.busy').reason, /^blocked the event loop for [23]\.\d s, at .*test\.busy\/index\.js:\d+:\d+\)$/);
    assert.equal(record('test.calm').state, 'active');
    assert.equal(await host.stop(), 0, host.output());
  });

  it('ends RA, saying why, when a plugin blocks the event loop for good', async () => {
    await ws.plugin('test.forever', {}, later('for (;;);'));
    host = await RunningRa.start({ ...env, RA_WATCHDOG_MS: '500' }, '--ui-port', '0');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => host!.child.once('exit', (c, s) => resolve([c, s])));
    assert.deepEqual([code, signal], [null, 'SIGKILL'], host.output());
    assert.match(host.output(), /in plugin 'test\.forever'/);
    assert.match(host.output(), /the event loop has been blocked for 6\.\d s by plugin 'test\.forever': ending RA, which cannot recover/);
  });

  it('still ends RA on an error no plugin owns', async () => {
    // A timer set while RA answers a request runs outside every plugin's scope, and JSON.parse run straight from it puts
    // no frame of the plugin on the stack: an error RA cannot pin on a plugin.
    const route = "{ id: 'later', method: 'POST', path: '/api/test/later', handle: () => { setTimeout(JSON.parse, 0, '{'); return {}; } }";
    const code = `export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.ApiRoute).toConstantValue(${route}); }) });`;
    await ws.plugin('test.anonymous', { contributes: { ApiRoute: ['later'] } }, code);
    host = await RunningRa.start(env, '--ui-port', '0');
    const exited = new Promise<number | null>((resolve) => host!.child.once('exit', resolve));
    await fetch(new URL('/api/test/later', host.url), { method: 'POST', headers: { authorization: `Bearer ${host.secret}` } });
    assert.equal(await exited, 1, host.output());
    assert.match(host.output(), /SyntaxError/);
  });
});
