import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMissing, readSmallFile, writeFileAtomic } from '@ra/kernel/node';
import type { RedisLink } from './redis/link.js';

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

/** Where the nodes of one messenger keep the certificate they all show. */
const CLUSTER_KEY = 'ra:cert';

/**
 * With several nodes, clients pin one fingerprint whichever node they reach, so every node shows the
 * same certificate: the first node's, kept in Redis. A node's own pair (`<data>/server.key`) is offered
 * first; when Redis already holds another, the node says so and uses the cluster's.
 */
export async function clusterCertificate(dir: string, redis: RedisLink, log: (line: string) => void): Promise<ServerCertificate> {
  const own = await serverCertificate(dir);
  await redis.run((r) => r.set(CLUSTER_KEY, JSON.stringify({ key: own.key, cert: own.cert }), { NX: true }));
  const stored = await redis.run((r) => r.get(CLUSTER_KEY));
  let pair: { key: string; cert: string };
  let fingerprint: string;
  try {
    pair = JSON.parse(stored ?? '') as { key: string; cert: string };
    const x509 = new X509Certificate(pair.cert);
    if (!x509.checkPrivateKey(createPrivateKey(pair.key))) throw new Error('its key is not its certificate’s');
    fingerprint = x509.fingerprint256;
  } catch (e) {
    throw new Error(
      `the cluster certificate in Redis (${CLUSTER_KEY}) is not usable (${(e as Error).message}); delete that key to let the next node store its own`,
    );
  }
  if (fingerprint !== own.fingerprint) log(`this node shows the cluster's certificate ${fingerprint} from Redis, not its own ${own.fingerprint} in ${dir}`);
  await writeFileAtomic(join(dir, 'fingerprint'), `${fingerprint}\n`, 0o644);
  return { ...pair, fingerprint };
}
