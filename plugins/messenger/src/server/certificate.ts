import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMissing, readSmallFile, writeFileAtomic } from '@ra/kernel/node';

export interface ServerCertificate {
  readonly key: string;
  readonly cert: string;
  /** SHA-256 of the DER certificate, `AA:BB:…`: what clients pin. */
  readonly fingerprint: string;
}

const CERT_YEARS = 20;

/**
 * The server's TLS key and certificate, `<data>/server.key` (0600) and `server.crt`, made on first
 * start. An operator may put a CA-signed pair there instead. The fingerprint goes to `<data>/fingerprint`.
 */
export async function serverCertificate(dir: string): Promise<ServerCertificate> {
  const keyPath = join(dir, 'server.key');
  const certPath = join(dir, 'server.crt');
  let key = await readText(keyPath);
  if (key === undefined) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFileAtomic(keyPath, key, 0o600);
  }
  await chmod(keyPath, 0o600);
  try {
    createPrivateKey(key);
  } catch (e) {
    throw new Error(`${keyPath} is not a readable private key (${(e as Error).message}); move it away to make a new one`);
  }
  let cert = await readText(certPath);
  if (cert === undefined) {
    cert = await selfSigned(key);
    await writeFileAtomic(certPath, cert, 0o644);
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`${certPath} is not a readable certificate (${(e as Error).message}); move it away to make a new one`);
  }
  if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${certPath} is not the certificate of ${keyPath}`);
  await writeFileAtomic(join(dir, 'fingerprint'), `${x509.fingerprint256}\n`, 0o644);
  return { key, cert, fingerprint: x509.fingerprint256 };
}

/** node-forge only here, on the first start. */
async function selfSigned(keyPem: string): Promise<string> {
  const { default: forge } = await import('node-forge');
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 24 * 3600_000);
  cert.validity.notAfter = new Date(now + CERT_YEARS * 365 * 24 * 3600_000);
  const name = [{ name: 'commonName', value: `RA messenger ${hostname()}`.slice(0, 64) }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: hostname() },
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readSmallFile(path, 64 * 1024)).toString('utf8');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}
