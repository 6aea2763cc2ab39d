import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sinon from 'sinon';
import { writeFileAtomic } from '@ra/kernel/node';
import { FileStore, STATE_FILE, StoreCorrupt } from './file-store.js';
import { FolderLocked } from './lock.js';
import { StoreConflict, StoreWriteError, type InviteRecord, type UserRecord } from './store.js';
import { storeContract } from './testing/store-contract.js';

const HASH = `scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$${Buffer.alloc(32, 7).toString('base64')}`;
const user = (name: string, displayName = name): UserRecord => ({ name, displayName, hash: HASH, created: 1 });
const invite = (id: string): InviteRecord => ({
  id,
  invitationId: `inv-${id}`,
  from: 'nora',
  to: 'hugo',
  ticket: 'AAAA',
  message: 'help',
  expiresAt: Date.now() + 60_000,
  created: 1,
  state: 'sent',
});

const contractDirs: string[] = [];
storeContract('FileStore', async () => {
  contractDirs.push(await mkdtemp(join(tmpdir(), 'ra-messenger-contract-')));
  return FileStore.open(contractDirs.at(-1)!);
});
after(() => Promise.all(contractDirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('messenger server: the file store', () => {
  let dir: string;
  let store: FileStore | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-messenger-store-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps users, tokens, relations and invitations across a restart, in a 0600 file', async () => {
    store = await FileStore.open(dir);
    await store.addUser(user('nora', 'Nora'), { hash: 'h1', user: 'nora', device: 'laptop', created: 1, lastSeen: 2 });
    await store.addUser(user('hugo'));
    await store.setRelations([
      { owner: 'nora', other: 'hugo', value: { state: 'mutual' } },
      { owner: 'hugo', other: 'nora', value: { state: 'mutual', blocked: true } },
    ]);
    await store.addInvite(invite('i1'));
    await store.close();
    store = await FileStore.open(dir);
    assert.equal((await store.user('nora'))?.displayName, 'Nora');
    assert.deepEqual(await store.token('h1'), { user: 'nora', device: 'laptop', created: 1, lastSeen: 2 });
    assert.deepEqual(await store.relation('hugo', 'nora'), { state: 'mutual', blocked: true });
    assert.equal((await store.invite('i1'))?.invitationId, 'inv-i1');
    const { mode } = await import('node:fs/promises').then((fs) => fs.stat(join(dir, STATE_FILE)));
    assert.equal(mode & 0o777, 0o600);
  });

  it('a failing write rejects that change with a clear error, undoes it in memory, leaves the old file, and the store goes on', async () => {
    const fail = { on: false };
    const write = sinon.spy(async (path: string, text: string) => {
      if (fail.on) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await writeFileAtomic(path, text);
    });
    store = await FileStore.open(dir, { write });
    await store.addUser(user('nora'));
    await store.setRelations([{ owner: 'nora', other: 'hugo', value: { state: 'asked' } }]);
    const before = await readFile(join(dir, STATE_FILE), 'utf8');
    fail.on = true;
    await assert.rejects(
      store.addUser(user('hugo')),
      (e) => e instanceof StoreWriteError && /could not save the change to .*state\.json: ENOSPC/.test(e.message),
    );
    await assert.rejects(store.setRelations([{ owner: 'nora', other: 'hugo', value: undefined }]), StoreWriteError);
    await assert.rejects(store.removeUser('nora'), StoreWriteError);
    assert.equal(await store.user('hugo'), undefined, 'the failed change is undone');
    assert.deepEqual(await store.relation('nora', 'hugo'), { state: 'asked' });
    assert.ok(await store.user('nora'));
    assert.equal(await readFile(join(dir, STATE_FILE), 'utf8'), before);
    fail.on = false;
    await store.addUser(user('hugo'));
    await store.close();
    store = await FileStore.open(dir);
    assert.deepEqual((await store.users()).map((u) => u.name).sort(), ['hugo', 'nora']);
  });

  it('on a full disk (a 64 KiB tmpfs) the old file stays whole and no temporary file is left', async function () {
    if (process.getuid?.() !== 0) return this.skip(); // mounting a tmpfs needs root (CAP_SYS_ADMIN)
    const disk = join(dir, 'disk');
    await mkdir(disk);
    try {
      await promisify(execFile)('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    } catch {
      return this.skip();
    }
    try {
      store = await FileStore.open(disk);
      await store.addUser(user('nora'));
      const before = await readFile(join(disk, STATE_FILE), 'utf8');
      await assert.rejects(store.addUser(user('hugo', 'H'.repeat(100_000))), (e) => e instanceof StoreWriteError && /ENOSPC/.test(e.message));
      assert.equal(await store.user('hugo'), undefined);
      assert.equal(await readFile(join(disk, STATE_FILE), 'utf8'), before);
      assert.deepEqual(
        (await readdir(disk)).filter((f) => f.endsWith('.tmp')),
        [],
      );
      await store.addUser(user('hugo'));
      await store.close();
      store = undefined;
    } finally {
      await store?.close();
      store = undefined;
      await promisify(execFile)('umount', [disk]);
    }
  });

  it('writes the changes that arrive during a write together, one write at a time', async () => {
    let writing = 0;
    let most = 0;
    const write = sinon.spy(async (path: string, text: string) => {
      most = Math.max(most, ++writing);
      await writeFileAtomic(path, text);
      writing--;
    });
    store = await FileStore.open(dir, { write });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store!.addUser(user(`user${i}`))));
    assert.equal(most, 1);
    assert.ok(write.callCount < 50, `${write.callCount} writes for 50 changes`);
    assert.equal((await store.users()).length, 50);
  });

  it('a refused change within a batch is undone alone; the first answer to an invitation wins', async () => {
    store = await FileStore.open(dir);
    await store.addUser(user('nora'));
    const results = await Promise.allSettled([store.addUser(user('hugo')), store.addUser(user('nora')), store.addInvite(invite('i1'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof StoreConflict);
    const [a, b] = await Promise.all([store.moveInvite('i1', ['sent', 'delivered'], 'accepted'), store.moveInvite('i1', ['sent', 'delivered'], 'declined')]);
    assert.equal(a?.state, 'accepted');
    assert.equal(b, undefined);
  });

  it('a corrupt state file refuses to start, naming the file, and is left as it was', async () => {
    const path = join(dir, STATE_FILE);
    for (const text of [
      '{"format":"ra-messenger-state", "users": [',
      '{"format":"ra-messenger-state","version":1,"users":{},"tokens":{},"relations":{},"invites":[]}',
    ]) {
      await writeFile(path, text);
      await assert.rejects(
        FileStore.open(dir),
        (e) => e instanceof StoreCorrupt && e.message.includes(path) && /corrupt .*restore it from a backup or move it away/.test(e.message),
      );
      assert.equal(await readFile(path, 'utf8'), text);
    }
    const badHash = { format: 'ra-messenger-state', version: 1, users: [{ ...user('nora'), hash: 'plain' }], tokens: {}, relations: {}, invites: [] };
    await writeFile(path, JSON.stringify(badHash));
    await assert.rejects(FileStore.open(dir), /password hash of nora is not scrypt/);
    await rm(path);
    store = await FileStore.open(dir);
  });

  it('one process at a time: a second open is refused while the first holds the folder; a dead holder is taken over', async () => {
    store = await FileStore.open(dir);
    await assert.rejects(FileStore.open(dir), (e) => e instanceof FolderLocked && e.pid === process.pid && e.message.includes(dir));
    await store.close();
    await writeFile(join(dir, 'lock'), '999999999\n');
    store = await FileStore.open(dir);
    assert.equal((await readFile(join(dir, 'lock'), 'utf8')).trim(), String(process.pid));
  });
});
