import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvitationTransport } from '@ra/plugin-session/api';
import { bootPlugin, type BootedPlugin } from '@ra/kernel/testing';
import { recordProgress, sampleEnvelope } from '@ra/plugin-session/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

describe('ra.file in the kernel', () => {
  let booted: BootedPlugin;
  before(
    async () =>
      void (booted = await bootPlugin(PLUGIN_DIR, {
        alongside: ['@ra/plugin-session'],
        settings: (home) => ({ 'ra.file': { defaultFolder: join(home, 'Invitations') } }),
      })),
  );
  after(() => booted.dispose());

  it('activates from its manifest without warnings', () => {
    const { kernel, log } = booted;
    const record = kernel.records().find((r) => r.id === 'ra.file');
    assert.equal(record?.state, 'active', record?.reason);
    assert.deepEqual(log, []);
  });

  it('contributes the file transport, which saves to defaultFolder from the settings', async () => {
    const { kernel, home } = booted;
    const transport = kernel.contributions(InvitationTransport).find((t) => t.id === 'file');
    assert.ok(transport, 'no InvitationTransport with id file');
    const receipt = await transport.deliver(sampleEnvelope(), '', recordProgress());
    assert.equal(receipt.target, join(home, 'Invitations', 'RAInvitation.msrcincident'));
    assert.deepEqual(await readdir(join(home, 'Invitations')), ['RAInvitation.msrcincident']);
  });
});
