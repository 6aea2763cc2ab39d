import { semver } from './vendor.js';
import type { PluginManifest } from '../common/manifest.js';
import { UNGUARDED_PERMISSIONS, type Permission } from '../common/permissions.js';
import type { PolicyState } from '../common/policy.js';
import { pluginIntegrity } from './integrity.js';

/** Why policy keeps this plugin out, or undefined when it may load. Checks integrity last: it reads every file. */
export async function policyBlocks(state: PolicyState, manifest: PluginManifest, dir: string): Promise<string | undefined> {
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
  if (allowance.integrity) {
    const actual = await pluginIntegrity(dir);
    if (actual !== allowance.integrity) {
      return `its files do not match the integrity pinned by policy (pinned ${short(allowance.integrity)}, found ${short(actual)})`;
    }
  }
  return undefined;
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
