import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { passwordScalar } from './password.js';
import { safetyCode } from './safety-code.js';
import { Spake2 } from './spake2.js';

describe('passwordScalar', () => {
  const secret = randomBytes(32);

  it('is deterministic and a valid scalar in [1, n)', async () => {
    const w = await passwordScalar(secret, 'correct horse');
    assert.equal(await passwordScalar(secret, 'correct horse'), w);
    assert.ok(w > 0n && w < p256.Point.Fn.ORDER);
  });

  it('needs both the invitation secret and the password', async () => {
    const w = await passwordScalar(secret, 'correct horse');
    assert.notEqual(await passwordScalar(randomBytes(32), 'correct horse'), w);
    assert.notEqual(await passwordScalar(secret, 'correct horsE'), w);
  });

  it('gives a scalar for an empty password, different from any real password’s', async () => {
    const none = await passwordScalar(secret, '');
    assert.ok(none > 0n);
    assert.notEqual(none, await passwordScalar(secret, ' '));
  });

  it('normalises the password (NFKC), so the same word typed differently matches', async () => {
    assert.equal(await passwordScalar(secret, 'caf\u00e9'), await passwordScalar(secret, 'cafe\u0301'));
    assert.equal(await passwordScalar(secret, '\ufb01le'), await passwordScalar(secret, 'file'));
  });

  it('refuses a invitation secret that is not 32 bytes', async () => {
    await assert.rejects(passwordScalar(randomBytes(16), 'x'), /invitation secret must be 32 bytes/);
  });
});

describe('safetyCode', () => {
  it('is six digits as "123 456", the same on both sides, different for another key', async () => {
    const w = await passwordScalar(randomBytes(32), 'pw');
    const ids = { idA: 'helper', idB: 'novice' };
    const a = new Spake2('A', w, ids);
    const b = new Spake2('B', w, ids);
    const codeA = safetyCode(a.finish(b.message()).sharedKey);
    assert.match(codeA, /^\d{3} \d{3}$/);
    assert.equal(safetyCode(b.finish(a.message()).sharedKey), codeA);
    const codes = new Set(Array.from({ length: 20 }, () => safetyCode(randomBytes(16))));
    assert.ok(codes.size > 15);
  });
});
