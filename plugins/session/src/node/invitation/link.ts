import { createPublicKey } from 'node:crypto';
import { clip, InvitationError } from './error.js';
import { keyFingerprint } from './identity.js';
import { INVITATION_VERSION, signedBytes, verified, type Invitation, type InvitationSigner } from './format.js';

/**
 * An invitation as a link, `ra-invite:<token>`, for a message that carries a link instead of the file (the seed's
 * "Mailto"). The token is the invitation in a compact binary form, base64url, signed by the same key over the same
 * canonical bytes as the file (`signedBytes`), with the message left out: a mail program takes about 2,000
 * characters of `mailto:` URL, room for the key and the signature but not for a long message. It never holds the
 * password. Layout: u8 version, 16 B id, u32 created, u32 expires (Unix seconds), u8 flags (bit 0: a password),
 * 32 B secret, u16 + name, u16 + addresses joined by `;`, u16 + public key (SPKI DER), then the signature.
 */
export const LINK_SCHEME = 'ra-invite:';

/** Longer than any link RA writes (about 950 characters, more with many addresses): anything longer is refused before it is decoded. */
export const MAX_LINK_CHARS = 16_384;
const ID_BYTES = 16;
const SECRET_BYTES = 32;
const LAST_SECOND = 2 ** 32;

export function isInvitationLink(text: string): boolean {
  return text.trim().toLowerCase().startsWith(LINK_SCHEME);
}

/** The link for an invitation as the file has it; its message stays out. */
export function writeInvitationLink(invitation: Invitation, signer: Pick<InvitationSigner, 'sign'>): string {
  const linked: Invitation = { ...invitation, message: '' };
  const name = Buffer.from(linked.noviceName, 'utf8');
  const addresses = Buffer.from(linked.addresses.join(';'), 'utf8');
  const created = seconds(linked.createdAt);
  const expires = seconds(linked.expiresAt);
  if (name.length > 0xffff || addresses.length > 0xffff || expires >= LAST_SECOND)
    throw new InvitationError('cannot make a link: its name, addresses or expiry do not fit one');
  const head = Buffer.alloc(1 + ID_BYTES + 9);
  head.writeUInt8(linked.version, 0);
  Buffer.from(linked.invitationId, 'base64url').copy(head, 1);
  head.writeUInt32BE(created, 1 + ID_BYTES);
  head.writeUInt32BE(expires, 5 + ID_BYTES);
  head.writeUInt8(linked.passwordRequired ? 1 : 0, 9 + ID_BYTES);
  const token = Buffer.concat([
    head,
    linked.invitationSecret,
    u16(name.length),
    name,
    u16(addresses.length),
    addresses,
    u16(linked.publicKey.length),
    linked.publicKey,
    signer.sign(signedBytes(linked)),
  ]);
  return `${LINK_SCHEME}${token.toString('base64url')}`;
}

/** Reads and verifies a link; a cut-short, tampered or foreign link is one InvitationError that says so. */
export function readInvitationLink(text: string): Invitation {
  const trimmed = text.trim();
  if (!isInvitationLink(trimmed)) throw new InvitationError(`this is not an RA invitation link: it does not start with ${LINK_SCHEME}`);
  // A mail program may break a long link across lines, and a reply quotes them with '>': both go.
  const token = trimmed.slice(LINK_SCHEME.length).replace(/[\s>]+/g, '');
  if (token.length > MAX_LINK_CHARS) throw new InvitationError(`the invitation link is too long: ${token.length} characters`);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new InvitationError('the invitation link holds characters a link never has: it was changed on the way');
  const bytes = Buffer.from(token, 'base64url');
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > bytes.length) throw new InvitationError('the invitation link is cut short: copy the whole link from the message');
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const version = take(1)[0];
  if (version !== INVITATION_VERSION) throw new InvitationError(`this invitation link is version ${version}; this RA reads version ${INVITATION_VERSION} only`);
  const invitationId = take(ID_BYTES).toString('base64url');
  const createdAt = new Date(take(4).readUInt32BE() * 1000);
  const expiresAt = new Date(take(4).readUInt32BE() * 1000);
  const flags = take(1)[0];
  if (flags > 1) throw new InvitationError('the invitation link has flags this RA does not know');
  const invitationSecret = new Uint8Array(take(SECRET_BYTES));
  const noviceName = utf8(take(take(2).readUInt16BE()), 'name');
  const addresses = utf8(take(take(2).readUInt16BE()), 'addresses').split(';');
  const publicKey = new Uint8Array(take(take(2).readUInt16BE()));
  const signature = bytes.subarray(at);
  if (signature.length < signatureBytes(publicKey)) throw new InvitationError('the invitation link is cut short: copy the whole link from the message');
  const invitation: Invitation = {
    version,
    invitationId,
    noviceName,
    message: '',
    createdAt,
    expiresAt,
    addresses,
    passwordRequired: flags === 1,
    invitationSecret,
    publicKey,
    keyFingerprint: keyFingerprint(publicKey),
  };
  return verified(invitation, signature);
}

/** An RSA signature is as long as the key's modulus; a key that is no RSA key is refused by `verified`. */
function signatureBytes(spki: Uint8Array): number {
  try {
    return (createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength ?? 8) / 8;
  } catch {
    return 1;
  }
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function utf8(bytes: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvitationError(`the invitation link's ${clip(what)} is not text: it was changed on the way`);
  }
}
