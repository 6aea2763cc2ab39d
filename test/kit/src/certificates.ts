import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  readonly key: string;
  readonly cert: string;
  /** `AA:BB:…`, as the server prints it. */
  readonly fingerprint: string;
}

/**
 * Certificates for specs: self-signed (as `ra messenger serve` makes its own, or an SMTP server), or signed by a CA of the
 * spec's, for `localhost` and 127.0.0.1.
 */
export function issue(options: { ca?: Issued; isCa?: boolean; name?: string } = {}): Issued {
  // node-forge signs with RSA only.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgeKey = forge.pki.privateKeyFromPem(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: 'commonName', value: options.name ?? (options.isCa ? 'Spec CA' : 'localhost') }];
  cert.setSubject(subject);
  const issuer = options.ca ? forge.pki.certificateFromPem(options.ca.cert) : undefined;
  cert.setIssuer(issuer ? issuer.subject.attributes : subject);
  cert.setExtensions(
    options.isCa
      ? [
          { name: 'basicConstraints', cA: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          {
            name: 'subjectAltName',
            altNames: [
              { type: 2, value: 'localhost' },
              { type: 7, ip: '127.0.0.1' },
            ],
          },
        ],
  );
  cert.sign(options.ca ? forge.pki.privateKeyFromPem(options.ca.key) : forgeKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return {
    key: forge.pki.privateKeyToPem(forgeKey),
    cert: pem,
    fingerprint: new X509Certificate(pem).fingerprint256,
  };
}
