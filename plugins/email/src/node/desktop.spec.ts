import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xdgSandbox, type XdgSandbox } from '@ra/test-kit';
import { DesktopMail } from './desktop.js';

describe('e-mail through the desktop mail program (real xdg-email and xdg-open, a sandboxed mailto: handler)', function () {
  this.timeout(20_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let mailer: XdgSandbox;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-desktop-mail-'));
    // A mail program that writes down what it was asked to open, as the default for mailto: in a sandboxed home.
    mailer = await xdgSandbox(dir, ['x-scheme-handler/mailto']);
    env = { PATH: process.env.PATH, ...mailer.env, DISPLAY: ':99' };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('opens a draft to the helper with the invitation attached, the file kept 0600 for the mail program', async () => {
    const mail = new DesktopMail(join(dir, 'ra'), env);
    const data = new TextEncoder().encode('<UPLOADINFO/>');
    await mail.draft('ada@example.org', 'Remote Assistance invitation from Nora', 'Hello Ada,\r\nplease help.', {
      invitationId: 'T1',
      fileName: 'RAInvitation.msrcincident',
      data,
    });
    const url = new URL(await mailer.next('mailto:'));
    assert.equal(url.protocol, 'mailto:');
    assert.equal(url.pathname, 'ada@example.org');
    assert.equal(url.searchParams.get('subject'), 'Remote Assistance invitation from Nora');
    assert.match(url.searchParams.get('body') ?? '', /Hello Ada,\s+please help\./);
    // xdg-email passes it as a path in `attach=`, which Thunderbird, Evolution and KMail take.
    const attached = url.searchParams.get('attach')!.replace(/^file:\/\//, '');
    assert.ok(attached.endsWith('/email/outbox/T1/RAInvitation.msrcincident'), attached);
    assert.deepEqual(new Uint8Array(await readFile(attached)), data);
    assert.equal((await stat(attached)).mode & 0o777, 0o600);
  });

  it('opens a mailto: link as it is', async () => {
    const url = 'mailto:ada@example.org?subject=Hi&body=ra-invite%3AAAAA';
    await new DesktopMail(join(dir, 'ra'), env).open(url);
    assert.equal(await mailer.next('mailto:'), url);
  });

  it('says when no mail program is set up, or xdg-utils is not installed', async () => {
    const bare = { ...env, XDG_DATA_HOME: join(dir, 'empty'), XDG_CONFIG_HOME: join(dir, 'empty'), XDG_DATA_DIRS: join(dir, 'empty'), BROWSER: '' };
    await assert.rejects(new DesktopMail(join(dir, 'ra'), bare).open('mailto:ada@example.org'), /no mail program is set up on this computer/);
    await assert.rejects(
      new DesktopMail(join(dir, 'ra'), { ...env, PATH: join(dir, 'empty') }).open('mailto:ada@example.org'),
      /xdg-open is not installed \(Debian package xdg-utils\)/,
    );
  });
});
