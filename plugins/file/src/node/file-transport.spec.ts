import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_INVITATION_BYTES } from '@ra/plugin-session/api';
import { describeInvitationTransportContract, sampleEnvelope } from '@ra/plugin-session/testing';
import { INVITATION_FILE_NAME } from '@ra/plugin-session/api';
import { FileTransport } from './file-transport.js';

const scratch = () => mkdtemp(join(tmpdir(), 'ra-file-'));

describeInvitationTransportContract('FileTransport, delivering into a folder', async () => {
  const dir = await scratch();
  return { transport: new FileTransport(), target: async () => dir, dispose: () => rm(dir, { recursive: true }) };
});

describeInvitationTransportContract('FileTransport, delivering to file paths', async () => {
  const dir = await scratch();
  let n = 0;
  return {
    transport: new FileTransport(),
    target: async () => join(dir, `invitation-${++n}.msrcincident`),
    dispose: () => rm(dir, { recursive: true }),
  };
});

describe('FileTransport', () => {
  let dir: string;
  const transport = new FileTransport();
  const rejectsWith = (p: Promise<unknown>, message: RegExp) =>
    assert.rejects(p, (e: Error) => {
      assert.match(e.message, message);
      return true;
    });

  beforeEach(async () => {
    dir = await scratch();
  });
  afterEach(() => rm(dir, { recursive: true }));

  it('saves into a folder under the envelope’s file name, readable only by the user', async () => {
    const receipt = await transport.deliver(sampleEnvelope({ fileName: 'Help me.msrcincident' }), dir);
    assert.equal(receipt.target, join(dir, 'Help me.msrcincident'));
    assert.equal((await stat(receipt.target)).mode & 0o777, 0o600);
  });

  it('names the file RAInvitation.msrcincident when the envelope gives no name', async () => {
    const receipt = await transport.deliver(sampleEnvelope({ fileName: '' }), dir);
    assert.equal(receipt.target, join(dir, INVITATION_FILE_NAME));
  });

  it('never overwrites: later invitations get numbered names, and no temporary file stays', async () => {
    const first = sampleEnvelope();
    await transport.deliver(first, dir);
    await transport.deliver(sampleEnvelope({ data: Buffer.from('second') }), dir);
    const third = await transport.deliver(sampleEnvelope({ data: Buffer.from('third') }), join(dir, INVITATION_FILE_NAME));
    assert.equal(third.target, join(dir, 'RAInvitation (3).msrcincident'));
    assert.deepEqual((await readdir(dir)).sort(), ['RAInvitation (2).msrcincident', 'RAInvitation (3).msrcincident', INVITATION_FILE_NAME]);
    assert.deepEqual(await readFile(join(dir, INVITATION_FILE_NAME)), Buffer.from(first.data));
  });

  it('gives each of several simultaneous deliveries its own file', async () => {
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const receipts = await Promise.all(texts.map((t) => transport.deliver(sampleEnvelope({ data: Buffer.from(t) }), dir)));
    const saved = await Promise.all(receipts.map((r) => readFile(r.target, 'utf8')));
    assert.deepEqual(saved, texts);
    assert.equal((await readdir(dir)).length, texts.length);
  });

  it('refuses a file name that would leave the chosen folder', async () => {
    await mkdir(join(dir, 'inside'));
    await rejectsWith(transport.deliver(sampleEnvelope({ fileName: '../escaped.msrcincident' }), join(dir, 'inside')), /not a plain file name/);
    assert.deepEqual(await readdir(dir), ['inside']);
  });

  it('creates a chosen folder ending in a separator, but names a missing parent instead of creating it', async () => {
    const receipt = await transport.deliver(sampleEnvelope(), join(dir, 'new') + '/');
    assert.equal(receipt.target, join(dir, 'new', INVITATION_FILE_NAME));
    const deep = join(dir, 'missing', 'new') + '/';
    await rejectsWith(transport.deliver(sampleEnvelope(), deep), new RegExp(`folder ${join(dir, 'missing')} does not exist`));
    await rejectsWith(transport.deliver(sampleEnvelope(), join(dir, 'absent', 'a.msrcincident')), /folder .*absent does not exist/);
    assert.deepEqual((await readdir(dir)).sort(), ['new']);
  });

  it('saves an empty target into defaultFolder, ~ meaning the home folder', async () => {
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      const receipt = await new FileTransport('~/Invitations').deliver(sampleEnvelope(), '');
      assert.equal(receipt.target, join(dir, 'Invitations', INVITATION_FILE_NAME));
      assert.equal((await stat(join(dir, 'Invitations'))).mode & 0o777, 0o700);
    } finally {
      process.env.HOME = home;
    }
  });

  it('saves an empty target without a defaultFolder to the Desktop, or the home folder without one, and shows which in the form', async () => {
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      assert.deepEqual(transport.target, { label: 'Save to folder (or a file path)', placeholder: dir, default: dir });
      assert.equal((await transport.deliver(sampleEnvelope(), '')).target, join(dir, INVITATION_FILE_NAME));
      await mkdir(join(dir, 'Desktop'));
      assert.equal(transport.target.default, join(dir, 'Desktop'));
      assert.equal((await transport.deliver(sampleEnvelope(), '')).target, join(dir, 'Desktop', INVITATION_FILE_NAME));
    } finally {
      process.env.HOME = home;
    }
  });

  it('refuses a target that is neither file nor folder', async () => {
    await rejectsWith(transport.deliver(sampleEnvelope(), '/dev/null'), /\/dev\/null: it is neither a file nor a folder/);
  });

  it('reads back what it saved', async () => {
    const envelope = sampleEnvelope();
    const receipt = await transport.deliver(envelope, dir);
    assert.deepEqual(Buffer.from(await transport.receive(receipt.target)), Buffer.from(envelope.data));
  });

  it('refuses to open a folder, a missing file and an empty file, naming each', async () => {
    await rejectsWith(transport.receive(dir), new RegExp(`${dir} is not a file`));
    await rejectsWith(transport.receive(join(dir, 'gone.msrcincident')), /gone\.msrcincident/);
    await writeFile(join(dir, 'empty.msrcincident'), '');
    await rejectsWith(transport.receive(join(dir, 'empty.msrcincident')), /empty\.msrcincident is empty/);
  });

  it('refuses an oversized file from its size alone, without reading it', async () => {
    const huge = join(dir, 'huge.msrcincident');
    await writeFile(huge, '');
    await truncate(huge, 8 * 1024 ** 3);
    await rejectsWith(transport.receive(huge), new RegExp(`huge\\.msrcincident is ${8 * 1024 ** 3} bytes, more than the ${MAX_INVITATION_BYTES}`));
  });
});
