import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Semaphore } from './limits.js';

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's minimum for scrypt. Node's default maxmem (32 MiB) refuses it: it needs 128 * N * r = 128 MiB. */
export const OWASP_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const MAXMEM = 256 * 1024 * 1024;
const KEY_BYTES = 32;
export const MIN_PASSWORD = 8;

/**
 * scrypt hashes as `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised later and old hashes
 * still verify. Every hash and check goes through one Semaphore.
 */
export class PasswordHasher {
  private dummy?: Promise<string>;

  constructor(
    readonly cost: ScryptCost = OWASP_SCRYPT,
    private readonly gate = new Semaphore(2, 32),
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.gate.run(() => derive(password, salt, this.cost));
    return ['scrypt', this.cost.N, this.cost.r, this.cost.p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  /**
   * Whether `password` matches `stored`. With no stored hash (an unknown user) it checks against a
   * hash of a random password, so an unknown user costs the same time as a wrong password.
   */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    const parsed = parse(stored ?? (await (this.dummy ??= this.hash(randomBytes(16).toString('base64')))));
    if (!parsed) return false;
    const key = await this.gate.run(() => derive(password, parsed.salt, parsed.cost));
    return timingSafeEqual(key, parsed.key) && stored !== undefined;
  }
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: Math.max(MAXMEM, 129 * cost.N * cost.r * cost.p) };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (e, key) => (e ? reject(e) : resolve(key))));
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  const [kind, N, r, p, salt, key] = stored.split('$');
  const cost = { N: Number(N), r: Number(r), p: Number(p) };
  const sane =
    kind === 'scrypt' &&
    [cost.N, cost.r, cost.p].every((n) => Number.isSafeInteger(n) && n > 0) &&
    cost.N > 1 &&
    (cost.N & (cost.N - 1)) === 0 &&
    cost.N <= 2 ** 20 &&
    cost.r <= 32 &&
    cost.p <= 16;
  if (!sane || !salt || !key) return undefined;
  const bytes = Buffer.from(key, 'base64');
  return bytes.length === KEY_BYTES ? { cost, salt: Buffer.from(salt, 'base64'), key: bytes } : undefined;
}

/** Whether `stored` is a hash this server can check (the store refuses anything else on load). */
export function isPasswordHash(stored: string): boolean {
  return parse(stored) !== undefined;
}
