import { ApiRoute, ApiSocket } from '../common/api.js';
import { ManifestError } from '../common/errors.js';
import { CliCommand, contributionId, type ExtensionPoint } from '../common/extension-points.js';
import type { PluginManifest } from '../common/manifest.js';
import { HostEnvironment, PolicyService } from '../common/services.js';
import { token, tokenName, type Token } from '../common/token.js';
import { NetworkListener } from './network.js';
import { checkSchema } from './schema.js';

const ID = { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' };

/** Tokens the kernel binds in every plugin's container: no manifest may declare a point by these names. */
const RESERVED: readonly string[] = ['ContributionProvider', 'PluginContext'];

const CLI_COMMAND = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'summary'],
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z-]*$' },
    summary: { type: 'string', minLength: 1, maxLength: 200 },
    usage: { type: 'string', maxLength: 200 },
    options: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z-]*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { enum: ['string', 'boolean'] }, description: { type: 'string', maxLength: 200 } },
      },
    },
  },
};

function kernelPoint(t: Token<unknown>, cardinality: ExtensionPoint['cardinality'], extra: Partial<ExtensionPoint> = {}): ExtensionPoint {
  return { token: t, name: tokenName(t), cardinality, side: 'node', owner: 'kernel', ownerProvides: cardinality === 'one', ...extra };
}

/** The points the host itself consumes: the local API, the command line, and the kernel's services. */
export const KERNEL_POINTS: readonly ExtensionPoint[] = [
  kernelPoint(ApiRoute, 'many', { contribution: ID }),
  kernelPoint(ApiSocket, 'many', { contribution: ID }),
  kernelPoint(CliCommand, 'many', { side: 'cli', contribution: CLI_COMMAND }),
  kernelPoint(PolicyService, 'one'),
  kernelPoint(HostEnvironment, 'one'),
  kernelPoint(NetworkListener, 'one', { permission: 'network' }),
];

/** The points a manifest declares, as the kernel registers them. */
export function declaredPoints(manifest: PluginManifest): ExtensionPoint[] {
  return Object.entries(manifest.extensionPoints).map(([name, d]) => ({
    token: token(name),
    name,
    cardinality: d.cardinality,
    side: d.side ?? 'node',
    owner: manifest.id,
    ownerProvides: false,
    permission: d.permission,
    contribution: d.contribution ?? (d.cardinality === 'many' ? ID : undefined),
  }));
}

/**
 * Every extension point the installed plugins know: the kernel's, and those each plugin's manifest
 * declares. A contribution is checked against the point's schema before its plugin loads.
 */
export class PointCatalogue {
  private readonly byName = new Map<string, ExtensionPoint>();

  /** Registers the kernel's points, then each manifest's; the first to declare a name keeps it. */
  constructor(manifests: readonly PluginManifest[]) {
    for (const p of KERNEL_POINTS) this.byName.set(p.name, p);
    for (const m of manifests) for (const p of declaredPoints(m)) if (!this.byName.has(p.name) && !RESERVED.includes(p.name)) this.byName.set(p.name, p);
  }

  get(name: string): ExtensionPoint | undefined {
    return this.byName.get(name);
  }

  byToken(t: symbol): ExtensionPoint | undefined {
    return this.get(tokenName(t));
  }

  all(): ExtensionPoint[] {
    return [...this.byName.values()];
  }

  /** Why this manifest's declarations and contributions do not fit the catalogue, or undefined when they do. */
  problem(manifest: PluginManifest): string | undefined {
    for (const p of declaredPoints(manifest)) {
      if (RESERVED.includes(p.name)) return `declares the extension point ${p.name}, a name the kernel keeps for itself`;
      const broken = schemaProblem(p.contribution, `the contribution schema of ${p.name}`);
      if (broken) return broken;
      const owner = this.get(p.name)!.owner;
      if (owner !== manifest.id) return `declares the extension point ${p.name}, which ${owner === 'kernel' ? 'the kernel' : owner} already declares`;
    }
    for (const [name, value] of Object.entries(manifest.contributes)) {
      const point = this.get(name);
      if (!point) return `contributes to ${name}, which no installed plugin declares`;
      if (point.ownerProvides) return `${name} is provided by the kernel; a plugin cannot provide another`;
      if ((point.cardinality === 'one') !== (value === true)) {
        return `contributes.${name} must be ${point.cardinality === 'one' ? 'true' : 'a list of entries'}`;
      }
      if (value === true) continue;
      const ids = value.map(contributionId);
      if (new Set(ids).size !== ids.length) return `contributes.${name} lists an id twice`;
      for (const entry of value) {
        let why: string | undefined;
        try {
          why = checkSchema(point.contribution ?? ID, entry, `the schema of ${name}`);
        } catch (e) {
          // The owner's schema is broken: the owner says so itself; a contributor waits for a fixed one.
          return point.owner === manifest.id ? (e as Error).message : `contributes to ${name}, whose owner ${point.owner} declares a broken schema`;
        }
        if (why) return `contributes.${name} entry '${contributionId(entry)}' does not fit the point: ${why}`;
      }
    }
    return undefined;
  }
}

/** Throws when a manifest's contribution of a point names an id that does not fit it; used by the loader's claim check. */
export function entriesOf(manifest: PluginManifest, point: ExtensionPoint): string[] | undefined {
  const value = manifest.contributes[point.name];
  if (value === undefined) return undefined;
  if (value === true) throw new ManifestError(`contributes.${point.name} must list entries`);
  return value.map(contributionId);
}

/** Why a plugin-supplied JSON Schema does not compile, or undefined. */
export function schemaProblem(schema: object | undefined, what: string): string | undefined {
  if (!schema) return undefined;
  try {
    checkSchema(schema, undefined, what);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
