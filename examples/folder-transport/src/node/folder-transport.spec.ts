import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvitationTransport } from '@ra/plugin-session/api';
import { bootPlugin } from '@ra/kernel/testing';
import { describeInvitationTransportContract, recordProgress, sampleEnvelope } from '@ra/plugin-session/testing';

const PLUGIN_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** A real kernel loading only this plugin, as `RA_PLUGIN_PATH` would, with `settings` as the user's. */
async function boot(settings: (home: string) => Record<string, unknown>) {
  const { home, kernel, log, dispose } = await bootPlugin(PLUGIN_DIR, {
    origin: 'external',
    alongside: ['@ra/plugin-session'],
    logLevel: 'info',
    settings: (h) => ({ 'example.folder': settings(h) }),
  });
  const transport = kernel.contributions(InvitationTransport).find((t) => t.id === 'folder');
  assert.ok(transport, `example.folder contributed no transport: ${JSON.stringify(kernel.records())}`);
  return { home, kernel, transport, log, dispose };
}

const inOutbox = (home: string) => ({ folder: join(home, 'outbox') });

describeInvitationTransportContract('example.folder', async () => {
  const { transport, dispose } = await boot(inOutbox);
  return { transport, target: async () => '', readBack: (path) => readFile(path), dispose };
});

describe('example.folder', () => {
  let booted: Awaited<ReturnType<typeof boot>> | undefined;
  afterEach(async () => {
    await booted?.dispose();
    booted = undefined;
  });

  it('copies the invitation into the configured folder as <invitationId>.msrcincident', async () => {
    booted = await boot(inOutbox);
    const receipt = await booted.transport.deliver(sampleEnvelope({ invitationId: 'T-42' }), '', recordProgress());
    assert.equal(receipt.target, join(booted.home, 'outbox', 'T-42.msrcincident'));
    assert.deepEqual(await readdir(join(booted.home, 'outbox')), ['T-42.msrcincident']);
  });

  it('copies into ~/RA Invitations when the folder is not set', async () => {
    const home = process.env.HOME;
    booted = await boot(() => ({}));
    process.env.HOME = booted.home;
    try {
      const receipt = await booted.transport.deliver(sampleEnvelope(), '', recordProgress());
      assert.equal(receipt.target, join(booted.home, 'RA Invitations', 'ticket-0001.msrcincident'));
    } finally {
      process.env.HOME = home;
    }
  });

  it('refuses a invitation id that would leave the folder', async () => {
    booted = await boot(inOutbox);
    await assert.rejects(
      booted.transport.deliver(sampleEnvelope({ invitationId: '../escape' }), '', recordProgress()),
      /invitation id '\.\.\/escape' cannot name a file/,
    );
  });

  it('logs its own deliveries from the invitationSent hook, and no one else’s', async () => {
    booted = await boot(inOutbox);
    const receipt = await booted.transport.deliver(sampleEnvelope(), '', recordProgress());
    // Fired as ra.session, the hook's owner, fires it after a delivery.
    await booted.kernel.hooks.call('ra.session', 'invitationSent', [{ ...receipt, invitationId: 'ticket-0001' }]);
    await booted.kernel.hooks.call('ra.session', 'invitationSent', [{ ...receipt, transport: 'file', invitationId: 'ticket-0002' }]);
    const copied = booted.log.filter((line) => line.includes('copied to'));
    assert.deepEqual(copied, [`[ra:example.folder] info: invitation ticket-0001 copied to ${receipt.target}\n`]);
  });
});
