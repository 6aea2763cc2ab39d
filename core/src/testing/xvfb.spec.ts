import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startXvfb, type Xvfb } from './xvfb.js';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startXvfb', function () {
  this.timeout(20_000);
  const servers: Xvfb[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('starts a server of the asked size on a free display, and stop() ends it', async () => {
    const [a, b] = await Promise.all([startXvfb({ width: 640, height: 480 }), startXvfb()]);
    servers.push(a, b);
    assert.match(a.display, /^:\d+$/);
    assert.notEqual(a.display, b.display, 'two servers must get two displays');
    const { stdout } = await run('xdpyinfo', [], { env: a.env });
    assert.match(stdout, /dimensions:\s+640x480 pixels/);
    assert.match(stdout, /depth of root window:\s+24 planes/);
    await a.stop();
    assert.equal(alive(a.pid), false, 'Xvfb still runs after stop()');
    await a.stop();
  });

  it('opens an xterm, and stop() ends it with the server', async () => {
    const x = await startXvfb({ xterm: true });
    servers.push(x);
    const { stdout } = await run('xdotool', ['search', '--onlyvisible', '--class', 'xterm'], { env: x.env });
    assert.notEqual(stdout.trim(), '', 'no xterm window is shown');
    const { stdout: pids } = await run('xdotool', ['search', '--onlyvisible', '--class', 'xterm', 'getwindowpid'], { env: x.env });
    const xterm = Number(pids.trim());
    assert.ok(alive(xterm));
    await x.stop();
    assert.equal(alive(xterm), false, 'the xterm still runs after stop()');
    assert.equal(alive(x.pid), false, 'Xvfb still runs after stop()');
  });

  it('names the Debian package when Xvfb is not installed', async () => {
    const path = process.env.PATH;
    const empty = await mkdtemp(join(tmpdir(), 'ra-no-xvfb-'));
    process.env.PATH = empty;
    try {
      await assert.rejects(startXvfb(), /Xvfb is not installed: install the Debian package xvfb \(run scripts\/install-system\.sh\)/);
    } finally {
      process.env.PATH = path;
      await rm(empty, { recursive: true });
    }
  });
});
