import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Semaphore } from './limits.js';
import { isPasswordHash, OWASP_SCRYPT, PasswordHasher } from './passwords.js';

describe('messenger server: passwords', () => {
  it('hashes with scrypt at OWASP strength (N=2^17, r=8, p=1) as scrypt$N$r$p$salt$hash, and checks it', async function () {
    this.timeout(30_000);
    const hasher = new PasswordHasher();
    const hash = await hasher.hash('correct horse');
    assert.match(hash, /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(OWASP_SCRYPT, { N: 2 ** 17, r: 8, p: 1 });
    assert.equal(await hasher.verify('correct horse', hash), true);
    assert.equal(await hasher.verify('correct hors', hash), false);
    assert.ok(isPasswordHash(hash));
  });

  it('an unknown user costs one hash, as a wrong password does, and never matches', async () => {
    const gate = new Semaphore(2, 32);
    const hasher = new PasswordHasher({ N: 1024, r: 8, p: 1 }, gate);
    const hash = await hasher.hash('password one');
    await hasher.verify('anything', undefined); // makes the stand-in hash once
    const run = sinon.spy(gate, 'run');
    assert.equal(await hasher.verify('password one', undefined), false);
    assert.equal(run.callCount, 1);
    assert.equal(await hasher.verify('password two', hash), false);
    assert.equal(run.callCount, 2);
  });

  it('refuses hashes it cannot check, and keeps checking hashes made at another cost', async () => {
    for (const bad of [
      '',
      'bcrypt$x',
      'scrypt$1000$8$1$c2FsdA==$aGFzaA==',
      'scrypt$1024$8$1$c2FsdA==$c2hvcnQ=',
      'scrypt$2097152$8$1$c2FsdA==$' + 'A'.repeat(43) + '=',
    ])
      assert.equal(isPasswordHash(bad), false, bad);
    const cheap = await new PasswordHasher({ N: 1024, r: 8, p: 1 }).hash('password one');
    assert.equal(await new PasswordHasher().verify('password one', cheap), true);
  });
});
