import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { bootPlugin } from '@ra/kernel/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

// With the setting on, the plugin talks to the router: that runs in the NAT lab (test/src/nat), never on this machine's network.
describe('ra.upnp as the kernel loads it', () => {
  it('activates beside ra.session with port mapping off by default, a setting the Settings page shows', async () => {
    const booted = await bootPlugin(PLUGIN_DIR, { alongside: ['@ra/plugin-session'] });
    try {
      const record = booted.kernel.records().find((r) => r.id === 'ra.upnp');
      assert.equal(record?.state, 'active', JSON.stringify(record));
      const setting = booted.kernel.settingViews().find((v) => v.id === 'ra.upnp.portMapping');
      assert.deepEqual(
        [setting?.title, setting?.type, setting?.default, setting?.value],
        ['Ask the router to open a port for helpers (UPnP / NAT-PMP)', 'boolean', false, false],
      );
    } finally {
      await booted.dispose();
    }
  });
});
