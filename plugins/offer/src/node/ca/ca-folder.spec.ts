import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { CaFolder } from './ca-folder.js';

/** The CA as ops use it; every check here is OpenSSL's (Node's crypto and tls), never forge's. */
describe('offer: the organisation CA folder', function () {
  this.timeout(30_000);
  let folder: string;
  let ca: CaFolder;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-ca-'));
    ca = await CaFolder.init(join(folder, 'ca'), 'Example Org');
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it('keeps its key to its owner, and refuses to make a second CA over the first', async () => {
    assert.equal((await stat(join(folder, 'ca', 'ca.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(folder, 'ca'))).mode & 0o777, 0o700);
    await assert.rejects(CaFolder.init(join(folder, 'ca'), 'Other Org'), /already holds a CA; it was left as it is/);
    await assert.rejects(CaFolder.open(join(folder, 'none')), /there is no CA in .*none; make one with ra ca init --org NAME/);
    assert.equal(await ca.latestCrl(), undefined, 'no CRL before the first');
  });

  it('issues a helper certificate OpenSSL verifies: the CA signed it, for client authentication, for hours, naming the helper', async () => {
    const issued = await ca.issueHelper({ name: 'alice', groups: ['helpdesk', 'tier2'], hours: 8 });
    const cert = new X509Certificate(issued.certPem);
    const root = new X509Certificate(ca.certPem);
    assert.ok(root.ca && !cert.ca);
    assert.ok(cert.verify(root.publicKey));
    assert.ok(cert.checkIssued(root));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.subjectAltName, 'URI:urn:ra:helper:alice');
    assert.equal(cert.subject, 'O=Example Org\nOU=helpdesk\nCN=alice');
    const hours = (Date.parse(cert.validTo) - Date.now()) / 3_600_000;
    assert.ok(hours > 7.9 && hours <= 8, `valid for ${hours} h`);
    assert.equal(cert.serialNumber.toLowerCase(), issued.serial);
  });

  it('issues a computer certificate for its names and addresses, for server authentication', async () => {
    const cert = new X509Certificate((await ca.issueMachine({ name: 'nora-pc', dns: ['nora-pc.example.org'], ips: ['192.0.2.4'], days: 60 })).certPem);
    assert.equal(cert.subjectAltName, 'DNS:nora-pc.example.org, IP Address:192.0.2.4');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(cert.checkHost('nora-pc.example.org'), 'nora-pc.example.org');
  });

  it('revokes only what it issued, lists it in the next CRL, and numbers each CRL', async () => {
    const bob = await ca.issueHelper({ name: 'bob', groups: ['helpdesk'], hours: 1 });
    await assert.rejects(ca.revoke('0badc0de'), /this CA issued no certificate with serial 0badc0de/);
    assert.deepEqual(await ca.revoke(bob.serial.toUpperCase()), { name: 'bob', kind: 'helper', already: false });
    assert.equal((await ca.revoke(bob.serial)).already, true);
    const first = await ca.crl(48);
    const second = await ca.crl(48);
    assert.deepEqual([first.number, second.number, second.revoked], [1, 2, 1]);
    assert.equal(await readFile(join(folder, 'ca', 'crl.pem'), 'utf8'), second.pem);
    assert.deepEqual(await ca.latestCrl(), { pem: second.pem, nextUpdate: second.nextUpdate }, "what a helper's file carries");
    // OpenSSL parses it as it loads a TLS context (the matrix e2e sees it refuse the revoked and the expired).
    assert.doesNotThrow(() => createSecureContext({ ca: ca.certPem, crl: second.pem }));
    assert.throws(() => createSecureContext({ ca: ca.certPem, crl: '-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n' }));
    assert.ok(ca.list().find((i) => i.serial === bob.serial)?.revoked);
  });
});
