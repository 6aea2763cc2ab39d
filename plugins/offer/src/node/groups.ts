import forge from 'node-forge';
import { GROUPS_OID } from '../common/certificate.js';

const { asn1, pki, util } = forge;

/**
 * The helper's groups, from the certificate's RaGroups extension. Node does not expose custom extensions, so
 * forge parses the DER; it is called only on a certificate OpenSSL has already verified.
 */
export function readGroups(der: Buffer): string[] {
  const certificate = pki.certificateFromAsn1(asn1.fromDer(util.createBuffer(der.toString('binary'))));
  const extension = certificate.getExtension({ id: GROUPS_OID } as unknown as string) as { value?: string } | null;
  if (!extension?.value) return [];
  const list = asn1.fromDer(extension.value).value;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => (typeof item.value === 'string' && item.type === asn1.Type.UTF8 ? [util.decodeUtf8(item.value)] : []));
}
