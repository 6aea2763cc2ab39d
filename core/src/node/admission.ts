import { semver } from './vendor.js';
import type { PluginManifest } from '../common/manifest.js';
import { UNGUARDED_PERMISSIONS, type Permission } from '../common/permissions.js';
import type { PluginAllowance, PolicyState } from '../common/policy.js';
import { IntegrityCache, pluginTree } from './integrity.js';

/** Why policy keeps this plugin out, or undefined when it may load. Checks integrity last: it reads every file. */
export async function policyBlocks(state: PolicyState, manifest: PluginManifest, dir: string, cache?: IntegrityCache): Promise<string | undefined> {
  if (state.origin === 'refused') return state.note;
  if (!state.policy.allowed) return 'the policy does not allow RA on this machine';
  for (const permission of manifest.permissions.filter((p) => UNGUARDED_PERMISSIONS.includes(p))) {
    if (permissionRefusal(state, manifest, permission)) return `policy withholds the '${permission}' permission it needs`;
  }
  const allowlist = state.policy.plugins.allowlist;
  if (!allowlist) return undefined;
  const allowance = allowlist[manifest.id];
  if (!allowance) return 'not in the policy plugin allowlist';
  if (!semver.satisfies(manifest.version, allowance.versions)) {
    return `version ${manifest.version} is not allowed by policy (allowed: ${allowance.versions})`;
  }
  return allowance.integrity ? integrityProblem(allowance, dir, cache) : undefined;
}

/** Why the plugin's tree no longer matches its pin, naming the package that changed when the policy pins each. */
function integrityProblem(allowance: PluginAllowance, dir: string, cache?: IntegrityCache): string | undefined {
  let tree;
  try {
    tree = pluginTree(dir, cache);
  } catch (e) {
    return `its files cannot be checked against the integrity pinned by policy: ${(e as Error).message}`;
  }
  if (tree.integrity === allowance.integrity) return undefined;
  const found = `(pinned ${short(allowance.integrity!)}, found ${short(tree.integrity)})`;
  const [own, ...dependencies] = tree.packages;
  const pinned = allowance.packages;
  const changed = pinned && tree.packages.find((p) => pinned[p.key] !== p.integrity);
  if (changed === own) return `its own files (${own.dir}) do not match the integrity pinned by policy ${found}`;
  if (changed && pinned[changed.key]) return `its dependency ${changed.key} (${changed.dir}) does not match the integrity pinned by policy ${found}`;
  if (changed) return `it now depends on ${changed.key} (${changed.dir}), which the policy does not pin ${found}`;
  const gone = pinned && Object.keys(pinned).find((key) => !tree.packages.some((p) => p.key === key));
  if (gone) return `it no longer depends on ${gone}, which the policy pins ${found}`;
  if (tree.missing.length) return `its dependency ${tree.missing[0]} resolves nowhere ${found}`;
  const files = dependencies.length ? `its files or its ${dependencies.length} dependencies' files` : 'its files';
  return `${files} do not match the integrity pinned by policy ${found}`;
}

/** Whether the user may not change this plugin's enablement: ops locked the set and listed it. */
export function lockedByPolicy(state: PolicyState, id: string): boolean {
  return state.policy.plugins.locked && state.policy.plugins.allowlist?.[id] !== undefined;
}

/** Completes "plugin X may not use S: ..." when the permission is not granted, else undefined. */
export function permissionRefusal(state: PolicyState, manifest: PluginManifest, permission: Permission): string | undefined {
  if (!manifest.permissions.includes(permission)) return 'its manifest does not declare the';
  const plugins = state.policy.plugins;
  if (plugins.deniedPermissions.includes(permission)) return 'policy denies every plugin the';
  const granted = plugins.allowlist?.[manifest.id]?.permissions;
  if (granted && !granted.includes(permission)) return 'policy does not grant it the';
  return undefined;
}

function short(integrity: string): string {
  return `${integrity.slice(0, 19)}…`;
}
