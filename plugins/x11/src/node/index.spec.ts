import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { CaptureSource } from '@ra/plugin-screen/api';
import { InputSink } from '@ra/plugin-control/api';
import { bootPlugin, type BootedPlugin } from '@ra/kernel/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

describe('ra.x11 in the kernel', () => {
  let booted: BootedPlugin;
  before(async () => void (booted = await bootPlugin(PLUGIN_DIR, { alongside: ['@ra/plugin-session', '@ra/plugin-screen', '@ra/plugin-control'] })));
  after(() => booted.dispose());

  it('activates from its manifest without warnings and contributes the x11 capture source and input sink', () => {
    const { kernel, log } = booted;
    const record = kernel.records().find((r) => r.id === 'ra.x11');
    assert.equal(record?.state, 'active', record?.reason);
    assert.deepEqual(log, []);
    const source = kernel.contributions(CaptureSource).find((s) => s.id === 'x11');
    assert.equal(source?.title, 'X11 desktop');
    const sink = kernel.contributions(InputSink).find((s) => s.id === 'x11');
    assert.equal(sink?.title, 'X11 keyboard and mouse');
  });
});
