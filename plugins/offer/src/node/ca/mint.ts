import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { GROUPS_OID, HELPER_URN } from '../../common/certificate.js';

const { pki, asn1, md, util } = forge;

/**
 * node-forge only mints here: it builds and signs certificates and CRLs. Every signature and chain is
 * verified by OpenSSL (Node's `tls` and `crypto`), never by forge (forge 1.4.3; anchors §3.4).
 */

export interface KeyPair {
  readonly keyPem: string;
  readonly certPem: string;
}

export interface HelperRequest {
  readonly name: string;
  readonly groups: readonly string[];
  readonly email?: string;
  readonly hours: number;
}

export interface MachineRequest {
  readonly name: string;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  readonly days: number;
}

const HOUR = 3_600_000;

/** RSA keys (forge signs X.509 with RSA only), made by OpenSSL: 3072 bits for the CA, 2048 for leaves. */
async function rsaKey(bits: number): Promise<forge.pki.rsa.PrivateKey> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
}

/** A positive serial with 127 bits of entropy, as hex. */
export function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function publicOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return pki.setRsaPublicKey(key.n, key.e);
}

function blank(key: forge.pki.rsa.PrivateKey, notAfter: Date): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = publicOf(key);
  cert.serialNumber = newSerial();
  // A minute back, so a clock a little behind does not find it not yet valid.
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = notAfter;
  return cert;
}

/** The org's root: `cA`, path length 0 (it signs leaves only), for certificates and CRLs; 5 years. */
export async function mintCa(org: string, years = 5): Promise<KeyPair> {
  const key = await rsaKey(3072);
  const cert = blank(key, new Date(Date.now() + years * 365 * 24 * HOUR));
  const name = [
    { name: 'organizationName', value: org },
    { name: 'commonName', value: `${org} RA CA` },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, md.sha256.create());
  return { keyPem: pki.privateKeyToPem(key), certPem: pki.certificateToPem(cert) };
}

export interface Issued extends KeyPair {
  readonly serial: string;
  readonly notAfter: Date;
}

/** A helper's client certificate: their name, the helpdesk groups they belong to, valid for hours. */
export async function mintHelper(ca: KeyPair, request: HelperRequest): Promise<Issued> {
  const groups = asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.SEQUENCE,
    true,
    request.groups.map((g) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, util.encodeUtf8(g))),
  );
  const altNames: { type: number; value: string }[] = [{ type: 6, value: HELPER_URN + request.name }];
  if (request.email) altNames.push({ type: 1, value: request.email });
  return leaf(
    ca,
    request.hours * HOUR,
    [...(request.groups[0] ? [{ shortName: 'OU', value: request.groups[0] }] : []), { name: 'commonName', value: request.name }],
    [
      { name: 'extKeyUsage', clientAuth: true },
      { name: 'subjectAltName', altNames },
      { id: GROUPS_OID, critical: false, value: groups },
    ],
  );
}

/** A novice machine's server certificate, for the names and addresses helpers reach it by. */
export async function mintMachine(ca: KeyPair, request: MachineRequest): Promise<Issued> {
  const altNames = [...request.dns.map((value) => ({ type: 2, value })), ...request.ips.map((ip) => ({ type: 7, ip }))];
  return leaf(
    ca,
    request.days * 24 * HOUR,
    [{ name: 'commonName', value: request.name }],
    [{ name: 'extKeyUsage', serverAuth: true }, ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : [])],
  );
}

async function leaf(ca: KeyPair, lifetimeMs: number, subject: forge.pki.CertificateField[], extensions: object[]): Promise<Issued> {
  const caCert = pki.certificateFromPem(ca.certPem);
  const caKey = pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey;
  const key = await rsaKey(2048);
  const cert = blank(key, new Date(Math.min(Date.now() + lifetimeMs, caCert.validity.notAfter.getTime())));
  cert.setSubject([...orgOf(caCert), ...subject]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ...extensions,
  ]);
  cert.sign(caKey, md.sha256.create());
  return { keyPem: pki.privateKeyToPem(key), certPem: pki.certificateToPem(cert), serial: cert.serialNumber, notAfter: cert.validity.notAfter };
}

function orgOf(caCert: forge.pki.Certificate): forge.pki.CertificateField[] {
  const org = caCert.subject.getField('O') as forge.pki.CertificateField | null;
  return org ? [{ name: 'organizationName', value: org.value }] : [];
}
