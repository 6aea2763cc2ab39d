import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureSource, InputSink } from '@ra/kernel';
import { Kernel, StreamLogger } from '@ra/kernel/node';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

describe('ra.x11 in the kernel', () => {
  let home: string;
  let kernel: Kernel;
  const log: string[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-x11-home-'));
    kernel = await Kernel.start({
      sources: [{ dir: PLUGIN_DIR, origin: 'builtin' }],
      policy: { path: join(home, 'no-policy.json'), keyPath: join(home, 'no-key.pub') },
      home,
      logger: new StreamLogger('warn', 'ra', (line) => log.push(line)),
    });
  });

  after(async () => {
    await kernel.stop();
    await rm(home, { recursive: true });
  });

  it('activates from its manifest without warnings and contributes the x11 capture source and input sink', () => {
    const record = kernel.records().find((r) => r.id === 'ra.x11');
    assert.equal(record?.state, 'active', record?.reason);
    assert.deepEqual(log, []);
    const source = kernel.contributions(CaptureSource).find((s) => s.id === 'x11');
    assert.equal(source?.title, 'X11 desktop');
    const sink = kernel.contributions(InputSink).find((s) => s.id === 'x11');
    assert.equal(sink?.title, 'X11 keyboard and mouse');
  });
});
