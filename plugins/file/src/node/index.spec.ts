import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvitationTransport } from '@ra/kernel';
import { Kernel, StreamLogger } from '@ra/kernel/node';
import { sampleEnvelope } from '@ra/kernel/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

describe('ra.file in the kernel', () => {
  let home: string;
  let kernel: Kernel;
  const log: string[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-file-home-'));
    const settings = { plugins: { 'ra.file': { settings: { defaultFolder: join(home, 'Invitations') } } } };
    await writeFile(join(home, 'settings.json'), JSON.stringify(settings));
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

  it('activates from its manifest without warnings', () => {
    const record = kernel.records().find((r) => r.id === 'ra.file');
    assert.equal(record?.state, 'active', record?.reason);
    assert.deepEqual(log, []);
  });

  it('contributes the file transport, which saves to defaultFolder from the settings', async () => {
    const transport = kernel.contributions(InvitationTransport).find((t) => t.id === 'file');
    assert.ok(transport, 'no InvitationTransport with id file');
    const receipt = await transport.deliver(sampleEnvelope(), '');
    assert.equal(receipt.target, join(home, 'Invitations', 'RAInvitation.msrcincident'));
    assert.deepEqual(await readdir(join(home, 'Invitations')), ['RAInvitation.msrcincident']);
  });
});
