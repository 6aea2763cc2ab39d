import { scrypt, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';

/** The order of P-256's group (SEC 2), written out so the password step does not load the curve library. */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const scryptAsync = promisify(scrypt) as (password: BinaryLike, salt: BinaryLike, length: number, options: ScryptOptions) => Promise<Buffer>;

export const INVITATION_SECRET_BYTES = 32;
/** scrypt N = 2^14, r = 8, p = 1: 16 MiB and a few tens of ms per guess, for both sides alike. */
const SCRYPT: ScryptOptions = { N: 1 << 14, r: 8, p: 1 };
const OUTPUT_BYTES = 64;

/**
 * The SPAKE2 password scalar w. The invitation secret (in the invitation file) is the salt, so neither
 * the file alone nor the password alone gives w. 64 bytes reduced mod n: bias 2^-256. An empty
 * password (an invitation without one) still gives a w, known to whoever holds the file.
 */
export async function passwordScalar(invitationSecret: Uint8Array, password: string): Promise<bigint> {
  if (invitationSecret.length !== INVITATION_SECRET_BYTES) throw new Error(`the invitation secret must be ${INVITATION_SECRET_BYTES} bytes`);
  const stretched = await scryptAsync(Buffer.from(password.normalize('NFKC'), 'utf8'), invitationSecret, OUTPUT_BYTES, SCRYPT);
  return BigInt(`0x${stretched.toString('hex')}`) % P256_ORDER;
}
