import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { processAlive } from './process.js';
import { startXvfb } from './xvfb.js';

const run = promisify(execFile);

describe('test kit: startXvfb', function () {
  this.timeout(20_000);

  it('opens an xterm where specs expect it, and stop() ends it with the server', async () => {
    const x = await startXvfb({ width: 640, height: 480, xterm: true });
    try {
      const { stdout: pids } = await run('xdotool', ['search', '--onlyvisible', '--class', 'xterm', 'getwindowpid'], { env: x.env });
      const xterm = Number(pids.trim());
      assert.ok(processAlive(xterm), 'no xterm window is shown');
      const { stdout } = await run('xdotool', ['search', '--onlyvisible', '--class', 'xterm', 'getwindowgeometry'], { env: x.env });
      assert.match(stdout, /Position: 40,40/);
      await x.stop();
      assert.equal(processAlive(xterm), false, 'the xterm still runs after stop()');
      assert.equal(processAlive(x.pid), false, 'Xvfb still runs after stop()');
    } finally {
      await x.stop();
    }
  });
});
