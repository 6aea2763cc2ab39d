import forge from 'node-forge';
import type { KeyPair } from './mint.js';

const { pki, asn1, md, util, pem } = forge;
const { Class, Type } = asn1;

export interface Revoked {
  readonly serial: string;
  readonly at: Date;
}

export interface CrlRequest {
  readonly revoked: readonly Revoked[];
  /** Increases with every CRL the CA publishes. */
  readonly number: number;
  readonly thisUpdate: Date;
  /** After this, RA refuses every offer until a newer CRL is in place: an old list could miss a revocation. */
  readonly nextUpdate: Date;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const AUTHORITY_KEY_ID = '2.5.29.35';
const CRL_NUMBER = '2.5.29.20';

/**
 * forge has no CRL writer, so this builds an X.509 v2 CRL (RFC 5280 §5) from its ASN.1 pieces and signs it
 * with the CA's key. OpenSSL, in Node's `tls`, is what reads and checks it.
 */
export function mintCrl(ca: KeyPair, request: CrlRequest): string {
  const caCert = pki.certificateFromPem(ca.certPem);
  const caKey = pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey;
  const algorithm = seq([oid(SHA256_WITH_RSA), asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]);
  const keyId = asn1.create(Class.CONTEXT_SPECIFIC, 0, false, caCert.generateSubjectKeyIdentifier().getBytes());
  const tbs = seq([
    integer('01'),
    algorithm,
    pki.distinguishedNameToAsn1(caCert.subject),
    time(request.thisUpdate),
    time(request.nextUpdate),
    ...(request.revoked.length ? [seq(request.revoked.map((r) => seq([integer(r.serial), time(r.at)])))] : []),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [
      seq([extension(AUTHORITY_KEY_ID, seq([keyId])), extension(CRL_NUMBER, integer(request.number.toString(16)))]),
    ]),
  ]);
  const digest = md.sha256.create();
  digest.update(asn1.toDer(tbs).getBytes());
  const signature = asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, '\x00' + caKey.sign(digest));
  return pem.encode({ type: 'X509 CRL', body: asn1.toDer(seq([tbs, algorithm, signature])).getBytes() });
}

function seq(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

function oid(id: string): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
}

/** A non-negative INTEGER from hex: a leading zero byte keeps a high first bit from reading as a sign. */
function integer(hex: string): forge.asn1.Asn1 {
  const even = hex.length % 2 ? `0${hex}` : hex;
  const bytes = util.hexToBytes(even);
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, bytes.charCodeAt(0) & 0x80 ? `\x00${bytes}` : bytes);
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 asks. */
function time(date: Date): forge.asn1.Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function extension(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(id), asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, asn1.toDer(value).getBytes())]);
}
