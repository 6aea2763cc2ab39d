import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { leafHash, MerkleRange } from './merkle.js';

/** RFC 6962 §2.1 as written: split at the largest power of two below n. */
function reference(lines: string[]): Buffer {
  if (lines.length === 0) return createHash('sha256').digest();
  if (lines.length === 1) return leafHash(lines[0]);
  let k = 1;
  while (k * 2 < lines.length) k *= 2;
  return createHash('sha256')
    .update(Uint8Array.of(1))
    .update(reference(lines.slice(0, k)))
    .update(reference(lines.slice(k)))
    .digest();
}

describe('audit: the Merkle tree hash of a growing log', () => {
  it('equals RFC 6962’s definition at every size from 0 to 70 lines', () => {
    const range = new MerkleRange();
    const lines: string[] = [];
    for (let n = 0; n <= 70; n++) {
      assert.ok(range.root().equals(reference(lines)), `size ${n}`);
      lines.push(`{"seq":${n}}`);
      range.append(lines[n]);
    }
  });

  it('hashes a leaf apart from an inner node (0x00 and 0x01 first), so one cannot pass for the other', () => {
    const range = new MerkleRange();
    range.append('a');
    range.append('b');
    assert.ok(!range.root().equals(leafHash(Buffer.concat([leafHash('a'), leafHash('b')]).toString('latin1'))));
  });
});
