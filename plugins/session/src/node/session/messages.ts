import { ProtocolError } from '../wire/framing.js';
import type { ControlMessage } from '../wire/wire.js';

/** 3: the wire pings, and cuts off a peer that reads nothing; 2: the greeting names the `invitation` (1 called it the ticket). */
export const PROTOCOL_VERSION = 3;
/** A helper has this long from connecting to a proven password; a novice this long for each answer. Short, so silent sockets cannot hold slots. */
export const HANDSHAKE_MS = 5_000;
/** How long a helper waits for the novice to answer Accept or Decline. */
export const CONSENT_MS = 10 * 60_000;

export function text(message: ControlMessage, field: string, max: number): string {
  const value = message[field];
  if (typeof value !== 'string' || value.length > max) throw new ProtocolError(`malformed message: '${field}' must be text of at most ${max} characters`);
  return value.trim();
}

export function bytes(message: ControlMessage, field: string): Uint8Array {
  const value = message[field];
  if (typeof value !== 'string' || value.length > 1024 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    throw new ProtocolError(`malformed message: '${field}' must be base64`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}
