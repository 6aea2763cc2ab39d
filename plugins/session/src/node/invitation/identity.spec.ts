import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { promisify } from 'node:util';
import { IdentityError, NoviceIdentity } from './identity.js';

describe('NoviceIdentity', () => {
  let home: string;
  const keyPath = () => join(home, 'identity', 'key.pem');
  const certPath = () => join(home, 'identity', 'cert.pem');
  const damaged = (p: Promise<unknown>, path: () => string, why: RegExp) =>
    assert.rejects(p, (e: Error) => {
      assert.ok(e instanceof IdentityError, e.message);
      assert.ok(e.message.includes(path()), e.message);
      assert.match(e.message, why);
      return true;
    });

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ra-identity-'));
  });
  afterEach(() => rm(home, { recursive: true }));

  it('creates an RSA-2048 key (0600) and a self-signed certificate for it, in a 0700 folder', async () => {
    const identity = await NoviceIdentity.open(home);
    assert.equal((await stat(join(home, 'identity'))).mode & 0o777, 0o700);
    assert.equal((await stat(keyPath())).mode & 0o777, 0o600);
    assert.equal(await readFile(keyPath(), 'utf8'), identity.keyPem);
    assert.equal(await readFile(certPath(), 'utf8'), identity.certPem);
    const cert = new X509Certificate(identity.certPem);
    assert.equal(cert.subject, 'CN=RA novice');
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.equal(createPublicKey(identity.keyPem).asymmetricKeyDetails?.modulusLength, 2048);
    assert.deepEqual(new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' })), identity.publicKey);
  });

  it('fingerprints the SPKI DER with SHA-256, as lowercase hex', async () => {
    const identity = await NoviceIdentity.open(home);
    assert.equal(identity.fingerprint, createHash('sha256').update(identity.publicKey).digest('hex'));
    assert.match(identity.fingerprint, /^[0-9a-f]{64}$/);
  });

  it('signs with RSA-PSS/SHA-256; verify refuses other data, other keys and garbage', async () => {
    const identity = await NoviceIdentity.open(home);
    const data = new TextEncoder().encode('invitation');
    const signature = identity.sign(data);
    assert.ok(NoviceIdentity.verify(identity.publicKey, data, signature));
    assert.equal(NoviceIdentity.verify(identity.publicKey, new TextEncoder().encode('invitatioN'), signature), false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(NoviceIdentity.verify(other, data, signature), false);
    assert.equal(NoviceIdentity.verify(new Uint8Array(3), data, signature), false);
    assert.equal(NoviceIdentity.verify(identity.publicKey, data, new Uint8Array(256)), false);
  });

  it('is the same identity at every start', async () => {
    const first = await NoviceIdentity.open(home);
    const again = await NoviceIdentity.open(home);
    assert.equal(again.fingerprint, first.fingerprint);
    assert.equal(again.keyPem, first.keyPem);
    assert.equal(again.certPem, first.certPem);
  });

  it('makes one key when several starts race, and leaves no temporary files', async () => {
    const identities = await Promise.all(Array.from({ length: 6 }, () => NoviceIdentity.open(home)));
    assert.equal(new Set(identities.map((i) => i.fingerprint)).size, 1);
    assert.equal(new Set(identities.map((i) => i.certPem)).size, 1);
    assert.deepEqual((await readdir(join(home, 'identity'))).sort(), ['cert.pem', 'key.pem']);
  });

  it('refuses a damaged key file, naming it, and leaves it as it was', async () => {
    await NoviceIdentity.open(home);
    const broken = (await readFile(keyPath(), 'utf8')).slice(0, 200);
    await writeFile(keyPath(), broken);
    await damaged(NoviceIdentity.open(home), keyPath, /not a readable private key.*RA does not replace it/);
    assert.equal(await readFile(keyPath(), 'utf8'), broken);
  });

  it('refuses a key that is not RSA-2048', async () => {
    await NoviceIdentity.open(home);
    await writeFile(keyPath(), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await damaged(NoviceIdentity.open(home), keyPath, /not an RSA key of at least 2048 bits/);
  });

  it('refuses a damaged certificate, or one for another key, naming it', async () => {
    await NoviceIdentity.open(home);
    await writeFile(certPath(), 'not a certificate');
    await damaged(NoviceIdentity.open(home), certPath, /not a readable certificate/);
    assert.equal(await readFile(certPath(), 'utf8'), 'not a certificate');
    const elsewhere = await mkdtemp(join(tmpdir(), 'ra-identity-'));
    await writeFile(certPath(), (await NoviceIdentity.open(elsewhere)).certPem);
    await rm(elsewhere, { recursive: true });
    await damaged(NoviceIdentity.open(home), certPath, /does not belong to the key in .*key\.pem/);
  });

  it('remakes a missing certificate for the same key: invitations pin the key', async () => {
    const first = await NoviceIdentity.open(home);
    await rm(certPath());
    const again = await NoviceIdentity.open(home);
    assert.equal(again.fingerprint, first.fingerprint);
    assert.ok(new X509Certificate(again.certPem).checkPrivateKey(createPrivateKey(first.keyPem)));
  });

  it('refuses an unreadable key file, naming it', async () => {
    await NoviceIdentity.open(home);
    await rm(keyPath());
    await mkdir(keyPath());
    await damaged(NoviceIdentity.open(home), keyPath, /cannot read the RA identity file .* is not a file/);
  });

  it('makes one key when separate processes start at once', async () => {
    const module = import.meta.resolve('./identity.js');
    const code = `const { NoviceIdentity } = await import(${JSON.stringify(module)}); console.log((await NoviceIdentity.open(process.argv[1])).fingerprint);`;
    const run = () => promisify(execFile)(process.execPath, ['--input-type=module', '-e', code, home]);
    const outputs = await Promise.all([run(), run(), run(), run()]);
    assert.equal(new Set(outputs.map((o) => o.stdout.trim())).size, 1);
    assert.equal(outputs[0]!.stdout.trim(), (await NoviceIdentity.open(home)).fingerprint);
  });

  it('serves TLS 1.3, and a Helper pinning the SPKI fingerprint accepts it', async () => {
    const identity = await NoviceIdentity.open(home);
    const server = createServer({ key: identity.keyPem, cert: identity.certPem, minVersion: 'TLSv1.3' }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      assert.equal(createHash('sha256').update(socket.getPeerCertificate().pubkey!).digest('hex'), identity.fingerprint);
      socket.destroy();
    } finally {
      server.close();
    }
  });
});
