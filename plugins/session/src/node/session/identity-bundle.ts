import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { HelperIdentity } from '../wire/tls.js';

/** A helper certificate's file, as `ra ca issue-helper` writes it, is small. */
export const MAX_IDENTITY_CHARS = 64 * 1024;

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** The PEM blocks of a file, each with its type (`CERTIFICATE`, `PRIVATE KEY`, `X509 CRL`…), in order. */
export function pemBlocks(text: string): { readonly type: string; readonly pem: string }[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ type: m[1]!, pem: m[0] }));
}

/** A certificate subject's common name: the name a helper or computer certificate gives. */
export function commonName(certificate: X509Certificate): string | undefined {
  return /^CN=(.*)$/m.exec(certificate.subject)?.[1];
}

/**
 * The helper's side of an offer: their key, their certificate and their organisation's CA, from one PEM file.
 * Checked here with OpenSSL (Node's crypto) so a wrong file is named before anything connects.
 */
export function readHelperIdentity(bundle: string): HelperIdentity & { readonly name: string } {
  if (bundle.length > MAX_IDENTITY_CHARS)
    throw new Error(`the certificate file is over ${MAX_IDENTITY_CHARS / 1024} KiB: it is not one ra ca issue-helper wrote`);
  const blocks = pemBlocks(bundle);
  const keyPem = blocks.find((b) => b.type.endsWith('PRIVATE KEY'))?.pem;
  if (!keyPem) throw new Error('the certificate file holds no private key: give the file ra ca issue-helper wrote');
  let certificates: { pem: string; x509: X509Certificate }[];
  try {
    certificates = blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => ({ pem: b.pem, x509: new X509Certificate(b.pem) }));
  } catch (e) {
    throw new Error(`the certificate file holds a certificate that cannot be read: ${(e as Error).message}`);
  }
  const leaf = certificates.find((c) => !c.x509.ca);
  const ca = certificates.find((c) => c.x509.ca);
  if (!leaf) throw new Error('the certificate file holds no helper certificate');
  if (!ca) throw new Error("the certificate file holds no organisation CA: the novice's computer is checked against it");
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new Error(`the certificate file's private key cannot be read: ${(e as Error).message}`);
  }
  if (!leaf.x509.checkPrivateKey(key)) throw new Error("the certificate file's private key is not the certificate's");
  if (!leaf.x509.verify(ca.x509.publicKey))
    throw new Error(`the helper certificate was not issued by the CA in the file (${ca.x509.subject.replace(/\n/g, ', ')})`);
  const now = Date.now();
  if (Date.parse(leaf.x509.validTo) <= now) throw new Error(`your helper certificate expired on ${leaf.x509.validTo}; ask your organisation for a new one`);
  if (Date.parse(leaf.x509.validFrom) > now) throw new Error(`your helper certificate is valid only from ${leaf.x509.validFrom}`);
  const name = commonName(leaf.x509) ?? 'A helper';
  const crlPem = blocks.find((b) => b.type === 'X509 CRL')?.pem;
  return { keyPem, certPem: leaf.pem, caPem: ca.pem, ...(crlPem && { crlPem }), name };
}
