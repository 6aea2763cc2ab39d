import { join } from 'node:path';
import { semver } from './vendor.js';
import { EXTENSION_POINTS } from '../common/extension-points.js';
import type { PluginManifest } from '../common/manifest.js';
import { PERMISSIONS } from '../common/permissions.js';
import { HOOK_NAMES } from './hooks.js';
import { parseJson, readSmallFile } from './files.js';
import { compileSchema } from './schema.js';

const ID = '^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$';
const NAMES = { type: 'array', items: { type: 'string', pattern: ID }, uniqueItems: true, default: [] };
const ENTRY = { type: 'string', pattern: '^(?!/)(?!.*\\.\\.).+\\.m?js$' };

const contributes = Object.fromEntries(
  EXTENSION_POINTS.map((p) => [
    p.name,
    p.cardinality === 'many'
      ? { type: 'array', items: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' }, uniqueItems: true, minItems: 1 }
      : { const: true },
  ]),
);

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
          properties: { node: ENTRY, browser: ENTRY },
        },
        provides: NAMES,
        requires: NAMES,
        optional: NAMES,
        permissions: { type: 'array', items: { enum: [...PERMISSIONS] }, uniqueItems: true, default: [] },
        emits: { type: 'array', items: { enum: [...HOOK_NAMES] }, uniqueItems: true, default: [] },
        contributes: { type: 'object', additionalProperties: false, properties: contributes, default: {} },
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
