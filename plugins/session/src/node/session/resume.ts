import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Role } from '@ra/kernel';

/** How long a session whose path dropped waits for the helper's RA to reach the novice again. */
export const RESUME_MS = 30_000;
/** Failed resume proofs a session takes before it ends: someone is guessing. */
export const MAX_RESUME_FAILURES = 5;

/**
 * The novice's computer refused the resume: the session there is over, or the proof failed. Not worth another
 * try. `by`: the person who ended it there meanwhile, whose reason this is.
 */
export class ResumeRefused extends Error {
  constructor(
    message: string,
    readonly by?: 'novice' | 'helper',
  ) {
    super(message);
  }
}

/**
 * What lets exactly these two resume a session: an id to find it by and a key to prove it with, both
 * derived from the password proof's shared key, so only the two that proved the password have them.
 */
export interface ResumeKeys {
  readonly id: string;
  readonly key: Buffer;
}

export function resumeKeys(sharedKey: Uint8Array): ResumeKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', sharedKey, Buffer.alloc(0), info, 32));
  return { id: derive('ra-session-resume-id').subarray(0, 16).toString('hex'), key: derive('ra-session-resume-key') };
}

/** One side's proof on a new connection: bound to that connection (its TLS exporter) and to the side, so it can be neither replayed nor reflected. */
export function resumeProof(keys: ResumeKeys, role: Role, binding: Uint8Array): Buffer {
  return createHmac('sha256', keys.key).update(`ra-resume ${role} `).update(binding).digest();
}

export function checkProof(keys: ResumeKeys, role: Role, binding: Uint8Array, proof: Uint8Array): boolean {
  const expected = resumeProof(keys, role, binding);
  return proof.length === expected.length && timingSafeEqual(expected, proof);
}
