import type { X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { readSmallFile } from '@ra/kernel/node';
import type { Certified } from '@ra/plugin-session/api';
import type { OfferAuthority, OfferingPeer, OfferTls } from '@ra/plugin-session/node';
import { HELPER_URN } from '../common/certificate.js';
import type { OffersPolicy } from '../common/policy.js';
import { readGroups } from './groups.js';
import { readMachineIdentity, subjectField } from './pem.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const MAX_FILE_BYTES = 1 << 20;

/**
 * The novice's side of Offer Remote Assistance, by the `offers` policy: the certificate this computer shows,
 * the CA and CRL OpenSSL checks helpers by (read again for each offer, so a new CRL applies at once), and
 * the policy's list of helpers and groups.
 */
export class OfferDesk implements OfferAuthority {
  /** The organisation's CA as last read, and its name: refusals name it. */
  private ca?: X509Certificate;
  private org = 'your organisation';
  /** The TLS last built from the policy's files, and which versions of them (path, mtime, size) it was built from. */
  private checked?: { readonly version: string; readonly tls: OfferTls };

  constructor(
    private readonly policy: () => OffersPolicy,
    /** The novice's settings, within the policy: offers turned off, or helpers who offer only watching. */
    private readonly settings: () => Readonly<Record<string, unknown>>,
  ) {}

  welcome(): boolean {
    return this.policy().enabled && this.settings().acceptOffers !== false;
  }

  async noviceTls(): Promise<OfferTls> {
    const p = this.policy();
    if (!p.enabled) throw new Error("this computer's policy takes no offers of help");
    if (this.settings().acceptOffers === false) throw new Error('the person at this computer turned offers of help off');
    if (!p.helpers.length && !p.groups.length) throw new Error("this computer's policy names no helpers or groups to take offers from");
    // Checked once per version of the three files: a new CRL applies to the next offer, and an unchanged one costs a stat.
    const version = (
      await Promise.all(
        [p.ca, p.crl, p.identity].map((f) =>
          stat(f).then(
            (s) => `${f}:${s.mtimeMs}:${s.size}`,
            () => `${f}:?`,
          ),
        ),
      )
    ).join('|');
    if (this.checked?.version === version) return this.checked.tls;
    const [caPem, crlPem, bundle] = await Promise.all([
      read(p.ca, 'the organisation CA', 'offers.ca'),
      read(p.crl, 'the revocation list', 'offers.crl'),
      read(p.identity, "this computer's certificate", 'offers.identity'),
    ]);
    const { keyPem, certPem, ca } = readMachineIdentity(bundle, caPem);
    try {
      createSecureContext({ ca: caPem, crl: crlPem });
    } catch (e) {
      throw new Error(`this computer cannot use the revocation list (${p.crl}): ${(e as Error).message}`);
    }
    this.ca = ca;
    this.org = subjectField(ca, 'O') ?? subjectField(ca, 'CN') ?? this.org;
    this.checked = { version, tls: { keyPem, certPem, caPem, crlPem } };
    return this.checked.tls;
  }

  async admit({ certificate, error }: OfferingPeer): Promise<Certified> {
    const org = this.org;
    if (!certificate) throw new Error(`the helper showed no certificate: this computer takes offers only from helpers ${org} certified`);
    const name = subjectField(certificate, 'CN') ?? 'the helper';
    // OpenSSL looks for a CRL by the issuer's name before it checks the signature: a rogue CA of the same name lacks one.
    const foreign = error === 'UNABLE_TO_GET_CRL' && this.ca && !certificate.verify(this.ca.publicKey);
    if (error) throw new Error(refusal(foreign ? 'CERT_SIGNATURE_FAILURE' : error, name, certificate, org));
    if (!certificate.keyUsage?.includes(CLIENT_AUTH))
      throw new Error(`${name}'s certificate is not a helper certificate (it is not for client authentication)`);
    if (!certificate.subjectAltName?.split(', ').includes(`URI:${HELPER_URN}${name}`))
      throw new Error(`${name}'s certificate does not name them as a helper (${HELPER_URN}${name})`);
    // OpenSSL verified the chain above: the DER forge reads now is the CA's own words.
    const groups = readGroups(certificate.raw);
    const p = this.policy();
    if (!p.helpers.includes(name) && !groups.some((g) => p.groups.includes(g))) {
      const allowed = [...p.helpers.map((h) => `helper ${h}`), ...p.groups.map((g) => `group ${g}`)].join(', ');
      throw new Error(`${name} (groups: ${groups.join(', ') || 'none'}) is not among the helpers this computer takes offers from (${allowed})`);
    }
    const unit = subjectField(certificate, 'OU');
    return {
      title: `${name} (${[unit, org].filter(Boolean).join(', ')})`,
      org,
      groups,
      serial: certificate.serialNumber.toLowerCase(),
      ...(this.settings().control === 'view-only' && { controlForbidden: 'helpers who offer help may only watch this computer' }),
    };
  }
}

/** OpenSSL's verdict on a helper's certificate, as the helper and the log read it. */
function refusal(code: string, name: string, certificate: X509Certificate, org: string): string {
  switch (code) {
    case 'CERT_REVOKED':
      return `${name}'s certificate (serial ${certificate.serialNumber.toLowerCase()}) was revoked by ${org}`;
    case 'CRL_HAS_EXPIRED':
      return `this computer's revocation list from ${org} is out of date, so it takes no offers until a new one is in place`;
    case 'CRL_SIGNATURE_FAILURE':
      return `this computer's revocation list is not signed by ${org}'s CA, so it takes no offers until a good one is in place`;
    case 'INVALID_PURPOSE':
      return `${name}'s certificate is not a helper certificate (it is not for client authentication)`;
    case 'CRL_NOT_YET_VALID':
      return `this computer's revocation list from ${org} is not valid yet: check this computer's clock`;
    case 'UNABLE_TO_GET_CRL':
      return `this computer has no revocation list from the CA that issued ${name}'s certificate`;
    case 'CERT_HAS_EXPIRED':
      return `${name}'s certificate expired on ${certificate.validTo}; they need a new one`;
    case 'CERT_NOT_YET_VALID':
      return `${name}'s certificate is valid only from ${certificate.validFrom}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_SIGNATURE_FAILURE':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `${name}'s certificate was not issued by ${org}, the organisation this computer takes offers from`;
    default:
      return `${name}'s certificate failed its check: ${code}`;
  }
}

async function read(path: string, what: string, key: string): Promise<string> {
  if (!path) throw new Error(`this computer's policy does not say where ${what} is (${key})`);
  try {
    return (await readSmallFile(path, MAX_FILE_BYTES)).toString('utf8');
  } catch (e) {
    throw new Error(`this computer cannot read ${what} (${path}): ${(e as Error).message}`);
  }
}
