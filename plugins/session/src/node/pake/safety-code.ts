import { hkdfSync } from 'node:crypto';

/**
 * Six digits from the SPAKE2 key, shown as `123 456` on both screens so the two people can compare
 * them by phone: a man in the middle holds two different keys, so the codes differ.
 */
export function safetyCode(sharedKey: Uint8Array): string {
  const bytes = Buffer.from(hkdfSync('sha256', sharedKey, Buffer.alloc(0), 'ra safety code', 8));
  const digits = (bytes.readBigUInt64BE() % 1_000_000n).toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}
