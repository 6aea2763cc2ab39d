import { KeyObject, X509Certificate, constants, createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, verify } from 'node:crypto';
import { link, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RaError } from '@ra/kernel';
import { isMissing, readSmallFile, syncFolder, writeTempFile } from '@ra/kernel/node';

export class IdentityError extends RaError {}

const RSA_BITS = 2048;
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
const CERT_YEARS = 20;

/** SHA-256 of the SPKI DER, lowercase hex (64 chars): what an invitation pins and TLS checks. */
export function keyFingerprint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/**
 * The Novice machine's long-term key: signs invitations and is the TLS server key the Helper pins.
 * Kept in `$RA_HOME/identity/` as `key.pem` (PKCS#8, 0600) and `cert.pem` (self-signed X.509).
 */
export class NoviceIdentity {
  /** SPKI DER of the public key. */
  readonly publicKey: Uint8Array;
  readonly fingerprint: string;
  readonly #key: KeyObject;

  private constructor(
    readonly keyPem: string,
    readonly certPem: string,
    key: KeyObject,
  ) {
    this.#key = key;
    this.publicKey = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
    this.fingerprint = keyFingerprint(this.publicKey);
  }

  /**
   * Loads the identity, creating it on first use. Unreadable or corrupt files are an error, never
   * replaced: every invitation already sent pins this key. Concurrent first starts agree on one key,
   * because each file is created with an exclusive link and the loser reads the winner's.
   */
  static async open(home: string): Promise<NoviceIdentity> {
    const dir = join(home, 'identity');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    let keyPem = await readText(keyPath);
    if (keyPem === undefined) {
      await createExclusive(keyPath, await generateKeyPem());
      keyPem = await readExisting(keyPath);
    }
    const key = parseKey(keyPem, keyPath);
    let certPem = await readText(certPath);
    if (certPem === undefined) {
      // A crash between the two files leaves a key without its certificate. Making one is safe:
      // invitations pin the key, not the certificate.
      await createExclusive(certPath, await selfSignedCertificate(keyPem, key));
      certPem = await readExisting(certPath);
    }
    checkCertificate(certPem, certPath, key, keyPath);
    return new NoviceIdentity(keyPem, certPem, key);
  }

  /** RSA-PSS, SHA-256, salt of the digest's length. */
  sign(data: Uint8Array): Uint8Array {
    return new Uint8Array(sign('sha256', data, { key: this.#key, ...PSS }));
  }

  /** Checks an RSA-PSS/SHA-256 signature; false for a wrong signature or an unusable key. */
  static verify(spkiDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
    try {
      const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
      return verify('sha256', data, { key, ...PSS }, signature);
    } catch {
      return false;
    }
  }
}

async function generateKeyPem(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: RSA_BITS });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** node-forge is loaded only here, on the first start: it costs ~40 ms of every start otherwise. */
async function selfSignedCertificate(keyPem: string, key: KeyObject): Promise<string> {
  const { default: forge } = await import('node-forge');
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`; // positive, 128 bits of randomness
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 24 * 3600_000);
  cert.validity.notAfter = new Date(now + CERT_YEARS * 365 * 24 * 3600_000);
  const name = [{ name: 'commonName', value: 'RA novice' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function parseKey(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw corrupt(path, `it is not a readable private key (${(e as Error).message})`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < RSA_BITS) throw corrupt(path, `it is not an RSA key of at least ${RSA_BITS} bits`);
  return key;
}

function checkCertificate(pem: string, path: string, key: KeyObject, keyPath: string): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw corrupt(path, `it is not a readable certificate (${(e as Error).message})`);
  }
  if (!cert.checkPrivateKey(key)) throw corrupt(path, `it does not belong to the key in ${keyPath}`);
}

function corrupt(path: string, why: string): IdentityError {
  return new IdentityError(
    `the RA identity file ${path} is damaged: ${why}. RA does not replace it, because invitations already ` +
      'sent pin this key: restore it from a backup, or remove the identity folder to make a new key ' +
      '(invitations already sent then stop working)',
  );
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readSmallFile(path, 64 * 1024)).toString('utf8');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw new IdentityError(`cannot read the RA identity file ${path}: ${(e as Error).message}`);
  }
}

async function readExisting(path: string): Promise<string> {
  const text = await readText(path);
  if (text === undefined) throw new IdentityError(`the RA identity file ${path} vanished while RA was creating it`);
  return text;
}

/**
 * Writes a complete, flushed file at `path` only if none exists: a temporary file is linked to the
 * name, which fails if another process got there first. Never leaves a half-written file.
 */
async function createExclusive(path: string, data: string): Promise<void> {
  const tmp = await writeTempFile(path, data);
  try {
    await link(tmp, path);
    await syncFolder(dirname(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}
