import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { Spake2Error } from './error.js';

/**
 * SPAKE2 exactly as RFC 9382 defines it for the suite P256-SHA256-HKDF-HMAC (cofactor h = 1).
 *
 * How RA runs it: the Helper is A and the Novice is B. Both send their message; then the Helper
 * sends its confirmation FIRST, and the Novice checks it before it ever sends its own. A Helper
 * with a wrong password thus never receives anything it could test further guesses against offline:
 * each guess costs one online attempt, which the Novice's invitation store counts and locks at the limit.
 */

export type Spake2Role = 'A' | 'B';

export interface Spake2Identities {
  /** The Helper's identity (party A). May be empty; it is still length-prefixed in the transcript. */
  readonly idA: string;
  /** The Novice's identity (party B). */
  readonly idB: string;
}

export interface Spake2Result {
  /** Ke: the shared secret, 16 bytes. Use it only after the peer's confirmation verified. */
  readonly sharedKey: Uint8Array;
  /** Our key confirmation, MAC(Kc of our role, TT), to send to the peer. */
  readonly confirmation: Uint8Array;
  /** Checks the peer's confirmation in constant time. */
  verify(peerConfirmation: Uint8Array): boolean;
}

export { Spake2Error };

const { Point } = p256;
type Point = typeof Point.BASE;
const ORDER = Point.Fn.ORDER;
const SCALAR_BYTES = 32;
const POINT_BYTES = 65;

/** RFC 9382 §6, P-256. */
export const M = Point.fromHex('02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f');
export const N = Point.fromHex('03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49');

export class Spake2 {
  readonly #role: Spake2Role;
  readonly #w: bigint;
  readonly #ids: Spake2Identities;
  readonly #aad: Uint8Array;
  readonly #scalar: bigint;
  readonly #message: Uint8Array;
  #finished = false;

  /** `scalar` fixes x (or y) for the RFC's test vectors only; leave it out everywhere else. */
  constructor(role: Spake2Role, w: bigint, ids: Spake2Identities, aad: Uint8Array = new Uint8Array(0), scalar?: bigint) {
    this.#role = role;
    this.#w = checkScalar(w, 'the password scalar w');
    this.#ids = ids;
    this.#aad = aad;
    this.#scalar = scalar === undefined ? randomScalar() : checkScalar(scalar, 'the ephemeral scalar');
    // pA = x·G + w·M, pB = y·G + w·N
    this.#message = Point.BASE.multiply(this.#scalar).add(this.#blind(role)).toBytes(false);
  }

  /** Our SPAKE2 message, uncompressed SEC1 (65 bytes). */
  message(): Uint8Array {
    return this.#message.slice();
  }

  /** Takes the peer's message and derives the keys. Once per instance: the scalar is single-use. */
  finish(peerMessage: Uint8Array): Spake2Result {
    if (this.#finished) throw new Spake2Error('this SPAKE2 exchange has already finished');
    this.#finished = true;
    const peer = decodePeerPoint(peerMessage);
    const other: Spake2Role = this.#role === 'A' ? 'B' : 'A';
    // K = h·x·(pB − w·N) for A, h·y·(pA − w·M) for B; h = 1 on P-256.
    const unblinded = peer.subtract(this.#blind(other));
    if (unblinded.is0()) throw new Spake2Error('the peer’s SPAKE2 message yields the identity element');
    const K = unblinded.multiply(this.#scalar).toBytes(false);
    const [pA, pB] = this.#role === 'A' ? [this.#message, peerMessage] : [peerMessage, this.#message];
    const tt = transcript(this.#ids, pA, pB, K, this.#w);
    const keys = keySchedule(tt, this.#aad);
    const [ours, theirs] = this.#role === 'A' ? [keys.KcA, keys.KcB] : [keys.KcB, keys.KcA];
    const expected = mac(theirs, tt);
    return {
      sharedKey: keys.Ke,
      confirmation: mac(ours, tt),
      verify: (peerConfirmation) => peerConfirmation.length === expected.length && timingSafeEqual(peerConfirmation, expected),
    };
  }

  #blind(role: Spake2Role): Point {
    return (role === 'A' ? M : N).multiply(this.#w);
  }
}

/** TT = len(A) ‖ A ‖ len(B) ‖ B ‖ len(pA) ‖ pA ‖ len(pB) ‖ pB ‖ len(K) ‖ K ‖ len(w) ‖ w; len is 8-byte LE. */
export function transcript(ids: Spake2Identities, pA: Uint8Array, pB: Uint8Array, K: Uint8Array, w: bigint): Uint8Array {
  const parts = [Buffer.from(ids.idA, 'utf8'), Buffer.from(ids.idB, 'utf8'), pA, pB, K, scalarBytes(w)];
  return Buffer.concat(
    parts.flatMap((part) => {
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(part.length));
      return [length, part];
    }),
  );
}

/** Ke ‖ Ka = SHA-256(TT); KcA ‖ KcB = HKDF(salt nil, Ka, "ConfirmationKeys" ‖ AAD, 32). */
export function keySchedule(tt: Uint8Array, aad: Uint8Array) {
  const hash = createHash('sha256').update(tt).digest();
  const Ka = hash.subarray(16);
  const info = Buffer.concat([Buffer.from('ConfirmationKeys'), aad]);
  const kc = Buffer.from(hkdfSync('sha256', Ka, Buffer.alloc(0), info, 32));
  return { Ke: hash.subarray(0, 16), Ka, KcA: kc.subarray(0, 16), KcB: kc.subarray(16) };
}

export function mac(key: Uint8Array, tt: Uint8Array): Uint8Array {
  return createHmac('sha256', key).update(tt).digest();
}

/** w as the RFC's vectors encode it: big-endian, the group order's width. */
export function scalarBytes(s: bigint): Buffer {
  return Buffer.from(s.toString(16).padStart(SCALAR_BYTES * 2, '0'), 'hex');
}

export function decodePeerPoint(bytes: Uint8Array): Point {
  if (bytes.length !== POINT_BYTES || bytes[0] !== 0x04) {
    throw new Spake2Error(`the peer’s SPAKE2 message is not an uncompressed P-256 point (${bytes.length} bytes)`);
  }
  try {
    return Point.fromBytes(bytes); // checks the point is on the curve
  } catch {
    throw new Spake2Error('the peer’s SPAKE2 message is not a point on P-256');
  }
}

function checkScalar(s: bigint, what: string): bigint {
  if (s <= 0n || s >= ORDER) throw new Spake2Error(`${what} must be in [1, n) of P-256`);
  return s;
}

/** Uniform in [1, n): 64 extra bits make the modulo bias negligible (2^-64). */
function randomScalar(): bigint {
  return (BigInt(`0x${randomBytes(SCALAR_BYTES + 8).toString('hex')}`) % (ORDER - 1n)) + 1n;
}
