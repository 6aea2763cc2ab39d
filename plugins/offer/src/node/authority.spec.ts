import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaFolder } from './ca/ca-folder.js';
import { OfferDesk } from './authority.js';
import type { OffersPolicy } from '../common/policy.js';

/** The novice's checks after OpenSSL's, and the words a refused helper reads. */
describe('offer: whom the novice takes offers from', function () {
  this.timeout(30_000);
  let folder: string;
  let ca: CaFolder;
  let policy: OffersPolicy;
  let settings: Record<string, unknown>;
  let desk: OfferDesk;
  const helper = async (name: string, groups: string[]) => new X509Certificate((await ca.issueHelper({ name, groups, hours: 1 })).certPem);

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ra-offer-desk-'));
    ca = await CaFolder.init(join(folder, 'ca'), 'Example Org');
    const machine = await ca.issueMachine({ name: 'nora-pc', dns: ['localhost'], ips: [], days: 30 });
    await writeFile(join(folder, 'machine.pem'), machine.keyPem + machine.certPem);
    await ca.crl(24);
  });
  beforeEach(async () => {
    policy = {
      enabled: true,
      ca: join(folder, 'ca', 'ca.pem'),
      crl: join(folder, 'ca', 'crl.pem'),
      identity: join(folder, 'machine.pem'),
      helpers: ['carol'],
      groups: ['helpdesk'],
      control: 'ask',
      requireConsent: true,
    };
    settings = { acceptOffers: true, control: 'ask' };
    desk = new OfferDesk(
      () => policy,
      () => settings,
    );
    await desk.noviceTls();
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it("takes a helper of an allowed group or named by the policy, as 'name (unit, organisation)'", async () => {
    const alice = await desk.admit({ certificate: await helper('alice', ['helpdesk', 'tier2']) });
    assert.deepEqual(
      [alice.title, alice.org, alice.groups, alice.controlForbidden],
      ['alice (helpdesk, Example Org)', 'Example Org', ['helpdesk', 'tier2'], undefined],
    );
    assert.equal((await desk.admit({ certificate: await helper('carol', ['sales']) })).title, 'carol (sales, Example Org)');
    await assert.rejects(desk.admit({ certificate: await helper('mallory', ['sales']) }), {
      message: 'mallory (groups: sales) is not among the helpers this computer takes offers from (helper carol, group helpdesk)',
    });
  });

  it("names OpenSSL's verdicts in words: revoked, an expired list, another CA, no certificate", async () => {
    const bob = await helper('bob', ['helpdesk']);
    const refused = (error: string) =>
      desk.admit({ certificate: bob, error }).then(
        () => 'taken',
        (e: Error) => e.message,
      );
    assert.equal(await refused('CERT_REVOKED'), `bob's certificate (serial ${bob.serialNumber.toLowerCase()}) was revoked by Example Org`);
    assert.equal(
      await refused('CRL_HAS_EXPIRED'),
      "this computer's revocation list from Example Org is out of date, so it takes no offers until a new one is in place",
    );
    assert.equal(
      await refused('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
      "bob's certificate was not issued by Example Org, the organisation this computer takes offers from",
    );
    // A CA of its own signed it, and OpenSSL found no CRL by that CA's name.
    assert.equal(
      await refused('CRL_SIGNATURE_FAILURE'),
      "this computer's revocation list is not signed by Example Org's CA, so it takes no offers until a good one is in place",
    );
    assert.equal(await refused('INVALID_PURPOSE'), "bob's certificate is not a helper certificate (it is not for client authentication)");
    assert.equal(await refused('UNABLE_TO_GET_CRL'), "this computer has no revocation list from the CA that issued bob's certificate");
    await assert.rejects(desk.admit({}), /the helper showed no certificate: this computer takes offers only from helpers Example Org certified/);
  });

  it('refuses a certificate for the wrong purpose: a computer certificate is no helper', async () => {
    const machine = new X509Certificate((await ca.issueMachine({ name: 'eve-pc', dns: ['eve'], ips: [], days: 1 })).certPem);
    await assert.rejects(desk.admit({ certificate: machine }), /eve-pc's certificate is not a helper certificate/);
  });

  it('follows the policy and the novice: view-only forbids control, offers turned off or not enabled are refused', async () => {
    settings.control = 'view-only';
    assert.equal(
      (await desk.admit({ certificate: await helper('dave', ['helpdesk']) })).controlForbidden,
      'helpers who offer help may only watch this computer',
    );
    settings.acceptOffers = false;
    assert.equal(desk.welcome(), false);
    await assert.rejects(desk.noviceTls(), /the person at this computer turned offers of help off/);
    policy = { ...policy, enabled: false };
    await assert.rejects(desk.noviceTls(), /this computer's policy takes no offers of help/);
  });

  it('fails closed on a missing list or a computer certificate from another CA, naming the file', async () => {
    policy = { ...policy, crl: join(folder, 'missing.pem') };
    await assert.rejects(desk.noviceTls(), /this computer cannot read the revocation list \(.*missing\.pem\)/);
    await writeFile(join(folder, 'garbled.pem'), '-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n');
    policy = { ...policy, crl: join(folder, 'garbled.pem') };
    await assert.rejects(desk.noviceTls(), /this computer cannot use the revocation list \(.*garbled\.pem\): /);
    const other = await CaFolder.init(join(folder, 'other'), 'Other Org');
    const foreign = await other.issueMachine({ name: 'x', dns: ['x'], ips: [], days: 1 });
    await writeFile(join(folder, 'foreign.pem'), foreign.keyPem + foreign.certPem);
    policy = { ...policy, crl: join(folder, 'ca', 'crl.pem'), identity: join(folder, 'foreign.pem') };
    await assert.rejects(desk.noviceTls(), /this computer's certificate \(offers.identity\) was not issued by the organisation CA \(offers.ca\)/);
  });
});
