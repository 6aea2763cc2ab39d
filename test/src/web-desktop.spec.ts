import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processAlive } from '@ra/test-kit';
import { NO_BUILTINS, RunningRa, Workspace } from './fixtures.js';

const run = promisify(execFile);

/** Pids and names of a process's children. */
async function children(pid: number): Promise<{ pid: number; name: string }[]> {
  const { stdout } = await run('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, name] = line.trim().split(/\s+/);
      return { pid: Number(pid), name };
    });
}

describe('web: start options and the desktop', () => {
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let ra: RunningRa | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    env = { ...process.env, RA_HOME: ws.home, RA_POLICY: ws.policyPath, RA_OPS_KEY: ws.keyPath, RA_PLUGIN_PATH: ws.plugins };
    delete env.DISPLAY;
    delete env.XAUTHORITY;
    await ws.settings(NO_BUILTINS);
  });
  afterEach(async () => {
    await ra?.stop();
    ra = undefined;
    await ws.remove();
  });

  it('fails in one line when the web UI port is taken, and leaves nothing behind', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const failed = await RunningRa.start(env, '--ui-port', String(port)).then(
        () => assert.fail('ra start ran on a taken port'),
        (e: Error) => e.message,
      );
      assert.match(
        failed,
        new RegExp(`exited with 1:[^]*ra: cannot serve the web UI on 127\\.0\\.0\\.1:${port}: the port is in use; choose another with --ui-port\n$`),
      );
      await assert.rejects(stat(join(ws.home, 'run', 'host.json')), /ENOENT/);
    } finally {
      blocker.close();
    }
  });

  it('says plainly that helpers will see no screen, and how to fix it', async () => {
    ra = await RunningRa.start(env, '--ui-port', '0');
    assert.match(ra.output(), /^No X display is reachable \(DISPLAY is not set\), so helpers will see no screen\.\n/);
    assert.match(ra.output(), /run RA inside your desktop session, name the display with --display :0, .*--virtual-desktop .*scripts\/install-system\.sh/);
    await ra.stop();
    ra = await RunningRa.start(env, '--ui-port', '0', '--display', ':97');
    assert.match(ra.output(), /^No X display is reachable \(the X display :97 does not answer\)/);
  });

  it('starts a private virtual desktop with an xterm when asked, and stops both with RA', async function () {
    if (
      !(await run('sh', ['-c', 'command -v Xvfb']).then(
        () => true,
        () => false,
      ))
    )
      this.skip();
    ra = await RunningRa.start(env, '--ui-port', '0', '--virtual-desktop');
    const display = /^No X display was reachable, so RA started a private virtual desktop on (:\d+) \(1280x800\) with an xterm\.\n/m.exec(ra.output())?.[1];
    assert.ok(display, ra.output());
    const authority = join(ws.home, 'run', 'xauthority');
    assert.equal((await stat(authority)).mode & 0o777, 0o600);
    const info = await run('xdpyinfo', [], { env: { ...env, DISPLAY: display, XAUTHORITY: authority } });
    assert.match(info.stdout, /dimensions:\s+1280x800 pixels/);
    await assert.rejects(
      run('xdpyinfo', [], { env: { ...env, DISPLAY: display, XAUTHORITY: join(ws.dir, 'none') } }),
      'the desktop let in a client without its cookie',
    );
    let started: { pid: number; name: string }[] = [];
    for (let i = 0; i < 50 && started.length < 2; i++) {
      started = await children(ra.child.pid!);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(started.map((c) => c.name).sort(), ['Xvfb', 'xterm']);

    assert.equal(await ra.stop(), 0);
    assert.ok(
      started.every((c) => !processAlive(c.pid)),
      'Xvfb or xterm outlived RA',
    );
    await assert.rejects(stat(authority), /ENOENT/);
    await assert.rejects(stat(`/tmp/.X11-unix/X${display.slice(1)}`), /ENOENT/);
  });
});
