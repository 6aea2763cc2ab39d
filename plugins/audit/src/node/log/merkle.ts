import { createHash } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** RFC 6962's hash of one log line (a leaf): SHA-256 of 0x00 and the line's bytes. */
export const leafHash = (line: string): Buffer => sha256(Uint8Array.of(0), Buffer.from(line, 'utf8'));

/**
 * The Merkle tree hash (RFC 6962) of a log as it grows, a line at a time: the roots of its perfect subtrees, largest
 * first (a compact range), so the root of the log so far costs log2(size) hashes, not a pass over every line.
 */
export class MerkleRange {
  private readonly subtrees: { size: number; hash: Buffer }[] = [];
  size = 0;

  append(line: string): void {
    let node = { size: 1, hash: leafHash(line) };
    // Two subtrees of the same size at the end join into one, as the bits of a counter carry.
    while (this.subtrees.length && this.subtrees[this.subtrees.length - 1].size === node.size) {
      const left = this.subtrees.pop()!;
      node = { size: left.size * 2, hash: sha256(Uint8Array.of(1), left.hash, node.hash) };
    }
    this.subtrees.push(node);
    this.size++;
  }

  /** The root of the lines so far: the subtrees folded from the smallest; SHA-256 of nothing for an empty log. */
  root(): Buffer {
    if (!this.subtrees.length) return sha256();
    let hash = this.subtrees[this.subtrees.length - 1].hash;
    for (let i = this.subtrees.length - 2; i >= 0; i--) hash = sha256(Uint8Array.of(1), this.subtrees[i].hash, hash);
    return hash;
  }
}
