import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processAlive } from '@ra/test-kit';
import { startXvfb, type Xvfb } from './xvfb.js';

const run = promisify(execFile);

describe('startXvfb', function () {
  this.timeout(20_000);
  const servers: Xvfb[] = [];
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-xvfb-'));
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await rm(folder, { recursive: true, force: true });
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
    assert.equal(processAlive(a.pid), false, 'Xvfb still runs after stop()');
    await a.stop();
  });

  it('lets in only clients with its cookie, and stop() ends its clients and removes the cookie', async () => {
    const authority = join(folder, 'xauthority');
    const x = await startXvfb({ authority });
    servers.push(x);
    assert.equal(x.env.XAUTHORITY, authority);
    assert.equal((await stat(authority)).mode & 0o777, 0o600);
    await run('xdpyinfo', [], { env: x.env });
    await assert.rejects(run('xdpyinfo', [], { env: { ...x.env, XAUTHORITY: join(folder, 'none') } }), 'a client without the cookie got in');
    const client = x.spawn('sleep', ['60']);
    await x.stop();
    assert.equal(processAlive(client.pid!), false, 'a client still runs after stop()');
    assert.equal(processAlive(x.pid), false, 'Xvfb still runs after stop()');
    await assert.rejects(stat(authority), /ENOENT/);
  });

  it('names the Debian package when Xvfb is not installed, and leaves no cookie behind', async () => {
    const path = process.env.PATH;
    process.env.PATH = folder;
    try {
      await assert.rejects(
        startXvfb({ authority: join(folder, 'xauthority') }),
        /Xvfb is not installed: install the Debian package xvfb \(run scripts\/install-system\.sh\)/,
      );
    } finally {
      process.env.PATH = path;
    }
    await assert.rejects(stat(join(folder, 'xauthority')), /ENOENT/);
  });
});
