import { createPublicKey } from 'node:crypto';
import { MAX_INVITATION_BYTES } from '../../common/api.js';
import { checkAddress } from './address.js';
import { clip, InvitationError } from './error.js';
import { keyFingerprint, NoviceIdentity } from './identity.js';
import { parseInvitationXml } from './xml.js';

/**
 * The invitation file, `.msrcincident`: XML shaped like Windows Remote Assistance's
 * (`<UPLOADINFO TYPE="Escalated"><UPLOADDATA USERNAME RCTICKET RCTICKETENCRYPTED DtStart DtLength/>`)
 * plus RA's own `RA*` attributes. It never holds the password nor anything derived from it: the
 * invitation secret is random, and the password only ever enters SPAKE2 (see ../pake).
 *
 * Integrity: RSA-PSS/SHA-256 by the Novice's identity key over a canonical encoding of the fields
 * (`signedBytes`), not over the XML, so layout does not matter but every field does. The Windows
 * attributes are rebuilt from the fields and must match exactly, so they are covered too.
 */

export const INVITATION_VERSION = 1;

export { InvitationError };

/** What the Novice puts in an invitation. Dates are kept to the second. */
export interface InvitationFields {
  readonly noviceName: string;
  readonly message: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** 128 random bits, base64url (22 characters). */
  readonly invitationId: string;
  /** `host:port` (a missing port is 3389), or a route's own `scheme://…` (`messenger://nora@msg.example.org:8443`). */
  readonly addresses: readonly string[];
  readonly passwordRequired: boolean;
  /** 32 random bytes: the salt of the password scalar, so the password alone is not enough. */
  readonly invitationSecret: Uint8Array;
}

/** A read, verified invitation. Its expiry is not checked here: the Novice's invitation store decides. */
export interface Invitation extends InvitationFields {
  readonly version: number;
  /** The Novice's identity key, SPKI DER: the TLS key the Helper must see. */
  readonly publicKey: Uint8Array;
  /** SHA-256 of `publicKey`, hex. */
  readonly keyFingerprint: string;
}

/** Signs invitations: the Novice's identity. */
export type InvitationSigner = Pick<NoviceIdentity, 'publicKey' | 'fingerprint' | 'sign'>;

const LIMITS = { noviceName: 256, message: 4000, addresses: 16 };
const INVITATION_ID = /^[A-Za-z0-9_-]{22}$/;
const SECONDS = /^(0|[1-9]\d{0,11})$/;
const LAST_SECOND = 1e12;
const FINGERPRINT = /^[0-9a-f]{64}$/;
const SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;

/** Windows attribute names first, then RA's; writing follows this order. */
const ATTRIBUTES = [
  'USERNAME',
  'RCTICKET',
  'RCTICKETENCRYPTED',
  'DtStart',
  'DtLength',
  'RAVERSION',
  'RATICKETID',
  'RAADDRESSES',
  'RAEXPIRES',
  'RAMESSAGE',
  'RAPUBLICKEY',
  'RAFINGERPRINT',
  'RASECRET',
  'RASIGNATURE',
] as const;
type Attribute = (typeof ATTRIBUTES)[number];

export function writeInvitation(fields: InvitationFields, signer: InvitationSigner): string {
  const invitation: Invitation = checkFields({
    ...fields,
    createdAt: toSecond(fields.createdAt),
    expiresAt: toSecond(fields.expiresAt),
    addresses: fields.addresses.map(writableAddress),
    version: INVITATION_VERSION,
    publicKey: signer.publicKey,
    keyFingerprint: signer.fingerprint,
  });
  if (keyFingerprint(invitation.publicKey) !== invitation.keyFingerprint) {
    throw new InvitationError('cannot write the invitation: the signer’s fingerprint does not match its key');
  }
  const values = { ...attributes(invitation), RASIGNATURE: base64(signer.sign(signedBytes(invitation))) };
  const lines = ATTRIBUTES.map((name) => `    ${name}="${escape(values[name])}"`);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<UPLOADINFO TYPE="Escalated">\n  <UPLOADDATA\n${lines.join('\n')} />\n</UPLOADINFO>\n`;
  if (Buffer.byteLength(xml) > MAX_INVITATION_BYTES) {
    throw new InvitationError(`cannot write the invitation: it would be over ${MAX_INVITATION_BYTES} bytes`);
  }
  return xml;
}

/** Reads and verifies an invitation; every problem is one InvitationError that names it. */
export function readInvitation(input: string | Uint8Array): Invitation {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > MAX_INVITATION_BYTES) {
    throw new InvitationError(`the invitation is too large: ${size} bytes, at most ${MAX_INVITATION_BYTES}`);
  }
  const raw = parseInvitationXml(input);
  const version = raw.get('RAVERSION');
  if (version === undefined) throw new InvitationError('this invitation was not made by RA: it has no RAVERSION');
  if (version !== String(INVITATION_VERSION)) {
    throw new InvitationError(`this invitation is version ${clip(version)}; this RA reads version ${INVITATION_VERSION} only`);
  }
  const unknown = [...raw.keys()].find((name) => !(ATTRIBUTES as readonly string[]).includes(name));
  if (unknown !== undefined) throw new InvitationError(`the invitation has an unknown attribute ${clip(unknown)}`);
  const get = (name: Attribute): string => {
    const value = raw.get(name);
    if (value === undefined) throw new InvitationError(`the invitation has no ${name}`);
    return value;
  };
  const field = <T>(name: Attribute, parse: (text: string) => T): T => {
    const text = get(name);
    try {
      return parse(text);
    } catch (e) {
      throw new InvitationError(`the invitation’s ${name} is invalid: ${(e as Error).message}`);
    }
  };
  const invitation = checkFields({
    version: INVITATION_VERSION,
    noviceName: get('USERNAME'),
    message: get('RAMESSAGE'),
    createdAt: field('DtStart', parseSeconds),
    expiresAt: field('RAEXPIRES', parseSeconds),
    invitationId: get('RATICKETID'),
    addresses: field('RAADDRESSES', (text) => text.split(';').map(fileAddress)),
    passwordRequired: field('RCTICKETENCRYPTED', flag),
    invitationSecret: field('RASECRET', fromBase64),
    publicKey: field('RAPUBLICKEY', fromBase64),
    keyFingerprint: get('RAFINGERPRINT'),
  });
  const expected = attributes(invitation);
  for (const name of ['RCTICKET', 'DtLength'] as const) {
    if (raw.get(name) !== expected[name]) throw new InvitationError(`the invitation’s ${name} does not agree with its RA fields`);
  }
  return verified(invitation, field('RASIGNATURE', fromBase64));
}

/** The invitation, frozen, once its fields, key and signature check out; else the InvitationError that names what does not. */
export function verified(invitation: Invitation, signature: Uint8Array): Invitation {
  checkFields(invitation);
  for (const address of invitation.addresses) {
    try {
      fileAddress(address);
    } catch (e) {
      throw new InvitationError(`the invitation’s address list is invalid: ${(e as Error).message}`);
    }
  }
  if (keyFingerprint(invitation.publicKey) !== invitation.keyFingerprint) {
    throw new InvitationError('the invitation’s key fingerprint does not match its public key');
  }
  checkRsaKey(invitation.publicKey);
  if (!NoviceIdentity.verify(invitation.publicKey, signedBytes(invitation), signature)) {
    throw new InvitationError('the invitation was changed after it was made: its signature does not match');
  }
  return Object.freeze({ ...invitation, addresses: Object.freeze([...invitation.addresses]) });
}

/**
 * The signed bytes: a label, then each field as a 4-byte big-endian length and its bytes, in a
 * fixed order. Dates are whole seconds; addresses are canonical and joined by `;`.
 */
export function signedBytes(i: Invitation): Uint8Array {
  const parts = [
    String(i.version),
    i.invitationId,
    i.noviceName,
    i.message,
    String(unixSeconds(i.createdAt)),
    String(unixSeconds(i.expiresAt)),
    i.addresses.join(';'),
    i.passwordRequired ? '1' : '0',
    i.publicKey,
    i.keyFingerprint,
    i.invitationSecret,
  ].map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)));
  const framed = parts.flatMap((p) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(p.length);
    return [length, p];
  });
  return Buffer.concat([Buffer.from('RA invitation signature\0'), ...framed]);
}

/** The attribute values that follow from the fields (all but the signature). */
function attributes(i: Invitation): Record<Exclude<Attribute, 'RASIGNATURE'>, string> {
  const start = unixSeconds(i.createdAt);
  const end = unixSeconds(i.expiresAt);
  return {
    USERNAME: i.noviceName,
    // Connection string 1 (MS-RAI §2.2.1): version, RDP, addresses, *, session id, *, *, key pin.
    RCTICKET: `65538,1,${i.addresses.join(';')},*,${i.invitationId},*,*,${i.keyFingerprint}`,
    RCTICKETENCRYPTED: i.passwordRequired ? '1' : '0',
    DtStart: String(start),
    DtLength: String(Math.ceil((end - start) / 60)),
    RAVERSION: String(i.version),
    RATICKETID: i.invitationId,
    RAADDRESSES: i.addresses.join(';'),
    RAEXPIRES: String(end),
    RAMESSAGE: i.message,
    RAPUBLICKEY: base64(i.publicKey),
    RAFINGERPRINT: i.keyFingerprint,
    RASECRET: base64(i.invitationSecret),
  };
}

function checkFields(i: Invitation): Invitation {
  const fail = (why: string) => new InvitationError(`the invitation’s ${why}`);
  if (i.noviceName.trim() === '' || i.noviceName.length > LIMITS.noviceName) {
    throw fail(`name must be 1 to ${LIMITS.noviceName} characters`);
  }
  if (i.message.length > LIMITS.message) throw fail(`message is longer than ${LIMITS.message} characters`);
  for (const [what, text] of [
    ['name', i.noviceName],
    ['message', i.message],
  ] as const) {
    if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(text)) {
      throw fail(`${what} contains a character XML cannot hold`);
    }
  }
  if (!INVITATION_ID.test(i.invitationId)) throw fail('invitation id is not 22 base64url characters');
  if (i.addresses.length < 1 || i.addresses.length > LIMITS.addresses) {
    throw fail(`address list must have 1 to ${LIMITS.addresses} addresses`);
  }
  if (!(i.createdAt.getTime() >= 0)) throw fail('creation date is invalid');
  if (!(i.expiresAt.getTime() > i.createdAt.getTime())) throw fail('expiry is not after its creation');
  if (!(unixSeconds(i.expiresAt) < LAST_SECOND)) throw fail('expiry is too far in the future');
  if (i.invitationSecret.length !== SECRET_BYTES) throw fail(`invitation secret is not ${SECRET_BYTES} bytes`);
  if (!FINGERPRINT.test(i.keyFingerprint)) throw fail('key fingerprint is not 64 lowercase hex digits');
  return i;
}

function checkRsaKey(spki: Uint8Array): void {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS) return;
  } catch {
    // reported below
  }
  throw new InvitationError(`the invitation’s public key is not an RSA key of at least ${MIN_RSA_BITS} bits`);
}

function writableAddress(text: string): string {
  try {
    return checkAddress(text);
  } catch (e) {
    throw new InvitationError(`the invitation’s address list is invalid: ${(e as Error).message}`);
  }
}

/** Files spell every port out; the text is kept as signed. */
function fileAddress(text: string): string {
  checkAddress(text, true);
  return text;
}

function flag(text: string): boolean {
  if (text !== '0' && text !== '1') throw new Error(`'${clip(text)}' is neither 0 nor 1`);
  return text === '1';
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function parseSeconds(text: string): Date {
  if (!SECONDS.test(text)) throw new Error(`'${clip(text)}' is not a number of seconds since 1970`);
  return new Date(Number(text) * 1000);
}

function toSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Strict: only the canonical base64 of some bytes is accepted. */
function fromBase64(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.toString('base64') !== text) throw new Error('it is not base64');
  return new Uint8Array(bytes);
}

function escape(text: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
  return text.replace(/[&<>"\t\n\r]/g, (c) => entities[c]!);
}
