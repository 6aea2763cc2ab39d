import { join } from 'node:path';
import { semver } from './vendor.js';
import type { PluginManifest } from '../common/manifest.js';
import { PERMISSIONS } from '../common/permissions.js';
import { KERNEL_POLICY_KEYS } from '../common/policy.js';
import { parseJson, readSmallFile } from './files.js';
import { compileSchema } from './schema.js';

const ID = '^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$';
const NAMES = { type: 'array', items: { type: 'string', pattern: ID }, uniqueItems: true, default: [] };
const ENTRY = { type: 'string', pattern: '^(?!/)(?!.*\\.\\.).+\\.m?js$' };

const NAME = '^[A-Z][A-Za-z0-9]*$';
const PERMISSION = { enum: [...PERMISSIONS] };
const SCHEMA = { type: 'object' };

const POINT = {
  type: 'object',
  additionalProperties: false,
  required: ['cardinality'],
  properties: {
    cardinality: { enum: ['many', 'one'] },
    side: { enum: ['node', 'browser'] },
    permission: PERMISSION,
    description: { type: 'string' },
    contribution: SCHEMA,
  },
};

const HOOK = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'args'],
  properties: {
    kind: { enum: ['series', 'waterfall', 'refuse'] },
    args: { type: 'array', items: { type: 'string', pattern: '^[a-z][A-Za-z0-9]*$' }, minItems: 1, maxItems: 4 },
    final: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    description: { type: 'string' },
  },
};

const ENTRY_LIST = {
  type: 'array',
  minItems: 1,
  items: {
    anyOf: [
      { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' },
      { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' } } },
    ],
  },
};

/** The JSON Schema of `raPlugin` in a plugin's package.json; docs/plugins.md explains each key. */
export const MANIFEST_SCHEMA = {
  type: 'object',
  required: ['name', 'version', 'raPlugin'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+' },
    raPlugin: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'kernel', 'entries'],
      properties: {
        id: { type: 'string', pattern: ID, maxLength: 100 },
        displayName: { type: 'string', maxLength: 100 },
        kernel: { type: 'string', minLength: 1 },
        entries: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { node: ENTRY, browser: ENTRY, cli: ENTRY },
        },
        provides: NAMES,
        requires: NAMES,
        optional: NAMES,
        permissions: { type: 'array', items: PERMISSION, uniqueItems: true, default: [] },
        extensionPoints: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: POINT, default: {} },
        hooks: { type: 'object', propertyNames: { pattern: '^[a-z][A-Za-z0-9]*$' }, additionalProperties: HOOK, default: {} },
        policy: { type: 'object', propertyNames: { pattern: '^[a-z][A-Za-z0-9]*$' }, additionalProperties: SCHEMA, default: {} },
        contributes: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: { anyOf: [ENTRY_LIST, { const: true }] }, default: {} },
        settings: { type: 'object' },
      },
    },
  },
} as const;

interface PackageJson {
  name: string;
  version: string;
  raPlugin: Omit<PluginManifest, 'version'>;
}

const checkPackage = compileSchema<PackageJson>(MANIFEST_SCHEMA, 'manifest');

/** Parses and validates the text of a plugin's package.json; throws one line naming each problem. */
export function parseManifest(text: string, path: string): PluginManifest {
  const pkg = checkPackage(parseJson(text, path));
  const manifest = { ...pkg.raPlugin, version: pkg.version };
  if (!semver.valid(manifest.version)) throw new Error(`manifest: version '${manifest.version}' is not semver`);
  if (!semver.validRange(manifest.kernel)) throw new Error(`manifest: kernel range '${manifest.kernel}' is not a semver range`);
  const reserved = Object.keys(manifest.policy).find((name) => KERNEL_POLICY_KEYS.includes(name));
  if (reserved) throw new Error(`manifest: the policy section '${reserved}' belongs to the kernel`);
  return manifest;
}

/** The folder's package.json when it holds an RA plugin at all (broken or not), else undefined. */
export async function pluginPackageText(dir: string): Promise<string | undefined> {
  try {
    const text = (await readSmallFile(join(dir, 'package.json'), 256 * 1024)).toString('utf8');
    return text.includes('"raPlugin"') ? text : undefined;
  } catch {
    return undefined;
  }
}
