import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** What a checkpoint says: the log named `origin` had `size` lines, whose Merkle tree hash was `root`. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

/** The raw 32 bytes of an Ed25519 public key (its SPKI DER ends with them). */
export function rawKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
}

/** The signed-note key ID (C2SP signed-note): the first 4 bytes of SHA-256(name, "\n", 0x01 for Ed25519, key). */
function keyId(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256').update(`${name}\n`).update(Uint8Array.of(1)).update(rawKey(publicKey)).digest().subarray(0, 4);
}

const body = ({ origin, size, root }: Checkpoint) => `${origin}\n${size}\n${root.toString('base64')}\n`;

/** A C2SP tlog-checkpoint as a signed note, signed with this machine's Ed25519 key under the log's own name. */
export function signCheckpoint(checkpoint: Checkpoint, privateKey: KeyObject): string {
  const text = body(checkpoint);
  const signature = sign(null, Buffer.from(text), privateKey);
  return `${text}\n— ${checkpoint.origin} ${Buffer.concat([keyId(checkpoint.origin, createPublicKey(privateKey)), signature]).toString('base64')}\n`;
}

/** Reads a signed checkpoint and checks its signature by `publicKey` (OpenSSL's Ed25519); throws saying what is wrong. */
export function openCheckpoint(note: string, publicKey: KeyObject): Checkpoint {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('it is not a signed note (no blank line before its signatures)');
  const text = note.slice(0, split + 1);
  const [origin, sizeText, rootText, ...extra] = text.split('\n');
  if (extra.some((line) => line !== '') || !origin || !/^\d+$/.test(sizeText) || !/^[A-Za-z0-9+/]{43}=$/.test(rootText))
    throw new Error('its body is not an origin, a size and a root');
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean);
  const id = keyId(origin, publicKey);
  const mine = signatures
    .map((line) => /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line))
    .find((m) => m?.[1] === origin && Buffer.from(m[2], 'base64').subarray(0, 4).equals(id));
  if (!mine) throw new Error(`it carries no signature of ${origin} by this machine's key`);
  if (!verify(null, Buffer.from(text), publicKey, Buffer.from(mine[2], 'base64').subarray(4))) throw new Error('its signature does not match what it says');
  return { origin, size: Number(sizeText), root: Buffer.from(rootText, 'base64') };
}
