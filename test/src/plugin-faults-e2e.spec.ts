import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginRecord } from '@ra/kernel';
import { NO_BUILTINS, RA_BIN, RunningRa, Workspace } from './fixtures.js';

describe('plugin faults in a running host', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let host: RunningRa | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    await ws.settings(NO_BUILTINS);
    env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: `${ws.owners}:${ws.plugins}`, RA_PORT: 'off' };
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

  async function waitFor(done: (records: PluginRecord[]) => boolean): Promise<PluginRecord[]> {
    const until = Date.now() + 20_000;
    for (;;) {
      const records = await plugins();
      if (done(records) || Date.now() > until) return records;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('disables a plugin that throws from a timer, leaves a rejection unhandled or emits an unheard error, and keeps running', async () => {
    await ws.plugin('test.timer', {}, `export default definePlugin({ activate() { setTimeout(() => { throw new Error('boom'); }, 50); } });`);
    await ws.plugin('test.late', {}, `export default definePlugin({ activate() { Promise.reject(new Error('late')); } });`);
    await ws.plugin(
      'test.emitter',
      {},
      `import { EventEmitter } from 'node:events';
      export default definePlugin({ activate() { setTimeout(() => new EventEmitter().emit('error', new Error('unheard')), 500); } });`,
    );
    await ws.plugin('test.after', { requires: ['test.timer'] });
    await ws.plugin('test.calm');
    host = await RunningRa.start(env, '--ui-port', '0');

    const records = await waitFor((rs) => rs.filter((r) => r.state === 'failed').length === 3);
    const state = (id: string) => records.find((r) => r.id === id)!;
    assert.equal(state('test.timer').state, 'failed', host.output());
    assert.match(state('test.timer').reason, /boom/);
    assert.equal(state('test.late').state, 'failed');
    assert.match(state('test.late').reason, /late/);
    assert.equal(state('test.emitter').state, 'failed');
    assert.match(state('test.emitter').reason, /^uncaught exception: unheard$/);
    assert.equal(state('test.after').state, 'missing-dependency');
    assert.equal(state('test.calm').state, 'active');

    assert.equal(host.child.exitCode, null, host.output());
    const api = await fetch(new URL('/api/ui/plugins', host.url), { headers: { authorization: `Bearer ${host.secret}` } });
    assert.equal(api.status, 200);
    assert.match(host.output(), /plugin 'test\.timer' failed with an uncaught exception: boom/);
    assert.match(host.output(), /plugin 'test\.late' failed with an unhandled rejection: late/);
    assert.equal(await host.stop(), 0, host.output());
  });

  it('still ends RA on an error no plugin owns', async () => {
    // JSON.parse run straight from a timer: no frame of the stack lies in the plugin's folder. It waits for a file, so RA is up first.
    const dir = await ws.plugin(
      'test.anonymous',
      {},
      `import { existsSync } from 'node:fs';
      export default definePlugin({ activate(ctx) {
        const poll = setInterval(() => { if (existsSync(ctx.dir + '/go')) { clearInterval(poll); setTimeout(JSON.parse, 0, '{'); } }, 50);
        ctx.subscriptions.add({ dispose: () => clearInterval(poll) });
      } });`,
    );
    host = await RunningRa.start(env, '--ui-port', '0');
    const exited = new Promise<number | null>((resolve) => host!.child.once('exit', resolve));
    await writeFile(join(dir, 'go'), '');
    const code = await exited;
    assert.equal(code, 1, host.output());
    assert.match(host.output(), /SyntaxError/);
  });
});
