import { createPrivateKey, X509Certificate } from 'node:crypto';
import { pemBlocks } from '@ra/plugin-session/node';

/** One field of a certificate's subject: `CN`, `OU`, `O`. */
export function subjectField(certificate: X509Certificate, field: string): string | undefined {
  return new RegExp(`^${field}=(.*)$`, 'm').exec(certificate.subject)?.[1];
}

/** A file `ra ca issue-machine` wrote, checked with OpenSSL against the organisation CA the policy names. */
export function readMachineIdentity(bundle: string, caPem: string): { keyPem: string; certPem: string; ca: X509Certificate } {
  const blocks = pemBlocks(bundle);
  const keyPem = blocks.find((b) => b.type.endsWith('PRIVATE KEY'))?.pem;
  const certPem = blocks.find((b) => b.type === 'CERTIFICATE')?.pem;
  if (!keyPem || !certPem)
    throw new Error("this computer's certificate file (offers.identity) needs its key and its certificate, as ra ca issue-machine writes them");
  let ca: X509Certificate;
  let certificate: X509Certificate;
  try {
    ca = new X509Certificate(caPem);
    certificate = new X509Certificate(certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) throw new Error("its key is not the certificate's");
  } catch (e) {
    throw new Error(`this computer's certificate or the organisation CA cannot be used: ${(e as Error).message}`);
  }
  if (!ca.ca) throw new Error('the organisation CA the policy names (offers.ca) is not a CA certificate');
  if (!certificate.verify(ca.publicKey)) throw new Error("this computer's certificate (offers.identity) was not issued by the organisation CA (offers.ca)");
  if (Date.parse(certificate.validTo) <= Date.now())
    throw new Error(`this computer's certificate expired on ${certificate.validTo}; ask the administrators for a new one`);
  return { keyPem, certPem, ca };
}
