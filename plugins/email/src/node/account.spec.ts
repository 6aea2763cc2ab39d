import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountFile } from './account.js';

const FORM = { host: 'smtp.example.org', port: 587, security: 'starttls', user: 'nora@example.org', auth: 'password', from: '', secret: 's3cret-pass' };

describe('e-mail account file', () => {
  let home: string;
  let file: AccountFile;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-email-account-'));
    file = new AccountFile(home);
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('keeps the secret in a 0600 file only, and gives the page the account without it', async () => {
    const view = await file.save(FORM);
    assert.deepEqual(view, { host: 'smtp.example.org', port: 587, security: 'starttls', user: 'nora@example.org', auth: 'password', from: 'nora@example.org' });
    assert.equal((await stat(file.path)).mode & 0o777, 0o600);
    assert.equal((await file.load())?.secret, 's3cret-pass');
    // Saved again without a secret: the one saved stays, for the same server and user only.
    await file.save({ ...FORM, port: 465, security: 'tls', secret: '' });
    assert.deepEqual([(await file.load())?.port, (await file.load())?.secret], [465, 's3cret-pass']);
    await assert.rejects(file.save({ ...FORM, host: 'mail.example.org', secret: '' }), /give the password/);
    await file.remove();
    assert.equal(await file.load(), undefined);
  });

  it('tightens a file others could read before it reads the secret', async () => {
    await file.save(FORM);
    await chmod(file.path, 0o644);
    await file.load();
    assert.equal((await stat(file.path)).mode & 0o777, 0o600);
  });

  it('names the field that is wrong, and never echoes the secret', async () => {
    for (const [change, why] of [
      [{ host: 'smtp example' }, /is not a server name/],
      [{ port: 70000 }, /port must be a number from 1 to 65535/],
      [{ security: 'none' }, /never sends in plain text/],
      [{ auth: 'cram' }, /sign-in must be 'password' or 'oauth2'/],
      [{ user: '' }, /user must be text/],
      [{ from: 'not an address' }, /'not an address' is not an e-mail address/],
      [{ caFile: 'ca.pem' }, /CA file must be a full path/],
      [{ secret: 'x'.repeat(9000) }, /password or token must be text of at most 8192/],
    ] as const) {
      await assert.rejects(file.save({ ...FORM, ...change }), (e: Error) => (assert.match(e.message, why), assert.ok(!e.message.includes('s3cret')), true));
    }
    await assert.rejects(file.save({ ...FORM, secret: '' }), /give the password/);
    await assert.rejects(file.save({ ...FORM, auth: 'oauth2', secret: '' }), /give the OAuth2 access token/);
  });

  it('says a damaged file is damaged, without its contents', async () => {
    await file.save(FORM);
    await writeFile(file.path, '{"host": "x", "secret": "s3cret-pass"');
    await assert.rejects(
      file.load(),
      (e: Error) => (assert.match(e.message, /account.json is damaged .*set the e-mail account up again/), assert.ok(!e.message.includes('s3cret')), true),
    );
    assert.match(await readFile(file.path, 'utf8'), /s3cret/, 'left as it was');
  });
});
