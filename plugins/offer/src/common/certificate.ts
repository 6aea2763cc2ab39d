/**
 * What an org's helper certificate says beyond its name: a SAN URI naming the helper for good, and a
 * non-critical extension listing the helper's groups (`RaGroups ::= SEQUENCE OF UTF8String`). The OID sits
 * under a placeholder Private Enterprise Number; an organisation may take its own from IANA for free.
 */
export const GROUPS_OID = '1.3.6.1.4.1.55555.1.1';

/** The SAN URI of a helper: `urn:ra:helper:alice`. */
export const HELPER_URN = 'urn:ra:helper:';

/** A helper certificate lasts hours: no routine revocation is needed. */
export const MAX_HELPER_HOURS = 24;
/**
 * A computer certificate lasts weeks. A revoked one is refused by helpers whose certificate file carries a CRL
 * that lists it (`ra ca issue-helper` puts the CA's latest in): a helper's file is hours old.
 */
export const MAX_MACHINE_DAYS = 90;

/** Names, groups and the organisation: printable words, nothing that could pass for markup or a separator. */
export function checkWord(what: string, value: string, max = 64): string {
  const v = value.trim();
  if (!v || v.length > max || !/^[\p{L}\p{N}][\p{L}\p{N} ._@-]*$/u.test(v))
    throw new Error(`${what} '${value}' must be 1–${max} letters, digits, spaces or . _ @ -, starting with a letter or digit`);
  return v;
}

/** As ra.session checks invitation addresses (a plugin does not import another's internals). */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const EMAIL = /^[^\s@<>()",;]{1,64}@[a-z0-9.-]{1,253}$/i;

/** A host name a computer certificate names: letters, digits and hyphens in dot-separated labels. */
export function checkDnsName(value: string): string {
  if (!DNS_NAME.test(value)) throw new Error(`'${value}' is not a host name`);
  return value.toLowerCase();
}

export function checkEmail(value: string): string {
  if (!EMAIL.test(value)) throw new Error(`'${value}' is not an e-mail address`);
  return value;
}

/** A helper's name goes into a URI (`urn:ra:helper:NAME`): ASCII letters, digits and . _ -, as a user name. */
export function checkHelperName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value))
    throw new Error(`helper name '${value}' must be 1–64 ASCII letters, digits or . _ -, starting with a letter or digit, as a user name`);
  return value;
}
