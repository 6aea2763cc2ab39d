import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountFile, type Account } from './account.js';

const ACCOUNT: Account = { server: 'msg.example.org:8443', fingerprint: 'AA:BB', user: 'nora', displayName: 'Nora Novice', token: 'secret-token' };

describe('messenger account file', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-messenger-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('keeps the token in <home>/messenger/account.json, readable by this user only, in a folder only they can enter', async () => {
    const file = new AccountFile(home);
    await file.save(ACCOUNT);
    assert.equal(file.path, join(home, 'messenger', 'account.json'));
    assert.equal((await stat(file.path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, 'messenger'))).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(join(home, 'messenger')), ['account.json']);
    assert.deepEqual(await new AccountFile(home).account(), ACCOUNT);
  });

  it('keeps one device id across sign-ins and sign-outs', async () => {
    const file = new AccountFile(home);
    const device = await file.device();
    assert.match(device, /^[0-9a-f]{32}$/);
    await file.save(ACCOUNT);
    await file.save(undefined);
    const again = new AccountFile(home);
    assert.equal(await again.device(), device);
    assert.equal(await again.account(), undefined);
    assert.doesNotMatch(await readFile(file.path, 'utf8'), /secret-token/);
  });

  it('makes a file others could read private again when it reads it', async () => {
    await new AccountFile(home).save(ACCOUNT);
    const path = join(home, 'messenger', 'account.json');
    await chmod(path, 0o644);
    assert.deepEqual(await new AccountFile(home).account(), ACCOUNT);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('names the file and what to do when it is broken', async () => {
    await new AccountFile(home).device();
    const path = join(home, 'messenger', 'account.json');
    await writeFile(path, '{ not json');
    await assert.rejects(new AccountFile(home).account(), new RegExp(`^Error: cannot read the messenger account: ${path} is not valid JSON`));
    await writeFile(path, JSON.stringify({ device: 'd', account: { server: 'x' } }));
    await assert.rejects(new AccountFile(home).account(), {
      message: `cannot read the messenger account: ${path} holds a broken account; delete it and sign in again`,
    });
  });
});
