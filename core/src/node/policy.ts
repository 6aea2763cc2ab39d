import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { PluginManifest } from '../common/manifest.js';
import { DEFAULT_POLICY, KERNEL_POLICY_KEYS, SAFEST_POLICY, type Policy, type PolicyState } from '../common/policy.js';
import { PERMISSIONS } from '../common/permissions.js';
import { PolicyError } from '../common/errors.js';
import { isMissing, parseJson, readSmallFile } from './files.js';
import { checkSchema, compileSchema } from './schema.js';

const FLAG = { type: 'boolean' };
const SHA512 = { type: 'string', pattern: '^sha512-[A-Za-z0-9+/]{86}==$' };
const PERMISSION_LIST = { type: 'array', items: { enum: [...PERMISSIONS] }, uniqueItems: true };

/** The kernel's part of the policy file. Every key is optional; what is left out keeps its default. */
export const POLICY_SCHEMA = {
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    allowed: FLAG,
    plugins: {
      type: 'object',
      additionalProperties: false,
      properties: {
        locked: FLAG,
        deniedPermissions: PERMISSION_LIST,
        allowlist: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['versions'],
            properties: {
              versions: { type: 'string', minLength: 1 },
              integrity: SHA512,
              packages: { type: 'object', maxProperties: 10_000, additionalProperties: SHA512 },
              permissions: PERMISSION_LIST,
            },
          },
        },
      },
    },
  },
} as const;

interface PolicyFile {
  allowed?: boolean;
  plugins?: Partial<Policy['plugins']>;
  [section: string]: unknown;
}

const checkPolicyFile = compileSchema<PolicyFile>(POLICY_SCHEMA, 'policy');

/** A policy section and the plugin whose manifest declares it. */
export interface PolicySection {
  readonly owner: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

export type PolicySections = ReadonlyMap<string, PolicySection>;

/** The sections the installed plugins declare; the first plugin to declare a name owns it. */
export function policySections(manifests: readonly PluginManifest[]): Map<string, PolicySection> {
  const sections = new Map<string, PolicySection>();
  for (const m of manifests) for (const [name, schema] of Object.entries(m.policy)) if (!sections.has(name)) sections.set(name, { owner: m.id, schema });
  return sections;
}

/** A section's value with its schema's defaults filled in: what the file gives, or defaults alone. */
export function sectionValue<T>(sections: PolicySections, policy: Policy, name: string): T {
  const section = sections.get(name);
  if (!section) throw new PolicyError(`no installed plugin declares the policy section '${name}'`);
  const value = structuredClone(policy.sections[name] ?? {});
  const why = checkSchema(section.schema, value, `the policy section '${name}' of ${section.owner}`);
  if (why) throw new PolicyError(`policy section '${name}' (${section.owner}): ${why}`);
  return value as T;
}

/** Parses policy JSON text into a full Policy, each section checked against its owner's schema; throws a PolicyError naming the problem. */
export function parsePolicy(text: string, sectionsByName: PolicySections, what = 'policy'): Policy {
  const file = checkPolicyFile(parseJson(text, what));
  const d = DEFAULT_POLICY;
  const sections: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(file)) {
    if (KERNEL_POLICY_KEYS.includes(name)) continue;
    const section = sectionsByName.get(name);
    if (!section) throw new PolicyError(`policy: unknown section '${name}': no installed plugin declares it`);
    const given = structuredClone(value);
    const why = checkSchema(section.schema, given, `the policy section '${name}' of ${section.owner}`);
    if (why) throw new PolicyError(`policy section '${name}' (${section.owner}): ${why}`);
    sections[name] = given;
  }
  return { allowed: file.allowed ?? d.allowed, plugins: { ...d.plugins, ...file.plugins }, sections };
}

export interface PolicyLocation {
  /** The policy JSON; its detached signature is `<path>.sig`. */
  readonly path: string;
  /** The pinned ops public key (PEM). */
  readonly keyPath: string;
  /**
   * The machine is managed: ops pinned a key or put a policy at the system paths. Then defaults
   * never apply, and a policy that cannot be trusted stops RA instead of running it disabled.
   */
  readonly managed?: boolean;
}

/**
 * Reads and verifies the machine policy. No policy and no pinned key on an unmanaged machine:
 * defaults. Anything that cannot be trusted (bad or missing signature, a key pinned but the policy
 * gone, a malformed file) is refused loudly; RA then runs with the safest settings, or, on a
 * managed machine, not at all (the kernel refuses to start).
 */
export async function loadPolicy(location: PolicyLocation, sections: PolicySections): Promise<PolicyState> {
  const { path, keyPath, managed = false } = location;
  const refuse = (why: string) => refused(path, why, managed);
  let key: Buffer | undefined, text: Buffer | undefined, signature: Buffer | undefined;
  try {
    key = await readOptional(keyPath);
    text = await readOptional(path, MAX_POLICY_BYTES);
    signature = await readOptional(`${path}.sig`, 4096);
  } catch (e) {
    return refuse((e as Error).message);
  }
  if (text === undefined) {
    if (key !== undefined) return refuse(`an ops key is pinned at ${keyPath} but the policy file ${path} is missing`);
    if (managed) return refuse(`this machine is managed, but neither the policy file nor the ops key ${keyPath} is there any more`);
    return { policy: DEFAULT_POLICY, origin: 'default', path, note: `no policy at ${path}; defaults apply` };
  }
  if (key === undefined) return refuse(`no pinned ops key at ${keyPath} to verify it with`);
  if (signature === undefined) return refuse(`its signature file ${path}.sig is missing`);
  try {
    if (!verifyDetached(key, text, signature)) return refuse(`its signature does not verify against the pinned ops key ${keyPath}`);
    return { policy: parsePolicy(text.toString('utf8'), sections, path), origin: 'file', path };
  } catch (e) {
    return refuse((e as Error).message);
  }
}

function refused(path: string, why: string, managed: boolean): PolicyState {
  const outcome = managed ? 'RA does not start on a managed machine until ops fix it' : 'running with the safest settings (RA disabled)';
  return { policy: SAFEST_POLICY, origin: 'refused', path, note: `policy ${path} refused: ${why}; ${outcome}` };
}

async function readOptional(path: string, maxBytes = 64 * 1024): Promise<Buffer | undefined> {
  try {
    return await readSmallFile(path, maxBytes);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw new PolicyError((e as Error).message);
  }
}

export const MAX_POLICY_BYTES = 1024 * 1024;

export function generateOpsKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Ed25519 over the exact bytes of the file; the signature file holds it in base64. */
export function signDetached(privatePem: Buffer | string, data: Buffer): string {
  return `${sign(null, data, ed25519Key(privatePem, 'private')).toString('base64')}\n`;
}

export function verifyDetached(publicPem: Buffer | string, data: Buffer, signature: Buffer | string): boolean {
  const key = ed25519Key(publicPem, 'public');
  const sig = Buffer.from(signature.toString().trim(), 'base64');
  return sig.length === 64 && verify(null, data, key, sig);
}

/** Short, stable name of a public key for humans: first 16 hex digits of SHA-256 over its DER. */
export function keyFingerprint(publicPem: Buffer | string): string {
  const der = ed25519Key(publicPem, 'public').export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Parses a PEM key and insists on Ed25519: RSA PKCS#1 v1.5 is where forged signatures have slipped through. */
function ed25519Key(pem: Buffer | string, kind: 'public' | 'private'): KeyObject {
  const what = kind === 'public' ? 'the ops key' : 'the signing key';
  let key: KeyObject;
  try {
    key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch (e) {
    throw new PolicyError(`${what} is not a PEM ${kind} key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new PolicyError(`${what} must be Ed25519, not ${key.asymmetricKeyType}`);
  return key;
}
