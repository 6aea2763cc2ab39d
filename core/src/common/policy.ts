import type { Permission } from './permissions.js';

export const MINUTE = 60_000;
export const DAY_MINUTES = 24 * 60;
/** Windows' Remote Assistance caps invitations at 99 days; so does every duration in a policy. */
export const HARD_MAX_LIFETIME_MINUTES = 99 * DAY_MINUTES;

export interface PluginAllowance {
  /** A semver range, e.g. `0.1.0` or `^1.2.0`. */
  readonly versions: string;
  /** `sha512-<base64>` over the plugin's files and its whole dependency tree, as `ra plugins hash` prints it. */
  readonly integrity?: string;
  /** Each package of that tree, `name@version` to its own digest: lets a refusal name the package that changed. */
  readonly packages?: Readonly<Record<string, string>>;
  /** Narrows the permissions the plugin's manifest asks for. */
  readonly permissions?: readonly Permission[];
}

/**
 * The machine policy, after parsing: the ops team's lockdown. The kernel owns `allowed` and
 * `plugins`; every other section belongs to the plugin whose manifest declares it.
 */
export interface Policy {
  /** RA allowed on this machine at all. */
  readonly allowed: boolean;
  readonly plugins: {
    /** Absent: any plugin may load. Present: only these, and users cannot widen it. */
    readonly allowlist?: Readonly<Record<string, PluginAllowance>>;
    /** Users may not disable allowlisted plugins either: the set is exactly what ops shipped. */
    readonly locked: boolean;
    readonly deniedPermissions: readonly Permission[];
  };
  /** The plugins' sections as the file gives them, each checked against its owner's schema. */
  readonly sections: Readonly<Record<string, unknown>>;
}

export const DEFAULT_POLICY: Policy = { allowed: true, plugins: { locked: false, deniedPermissions: [] }, sections: {} };

/** What RA runs with when a policy exists but cannot be trusted: nothing is allowed. */
export const SAFEST_POLICY: Policy = { allowed: false, plugins: { allowlist: {}, locked: true, deniedPermissions: [] }, sections: {} };

/** The policy keys the kernel owns; no plugin may declare a section by these names. */
export const KERNEL_POLICY_KEYS: readonly string[] = ['$schema', 'allowed', 'plugins'];

export type PolicyOrigin = 'file' | 'default' | 'refused';

export interface PolicyState {
  readonly policy: Policy;
  readonly origin: PolicyOrigin;
  readonly path: string;
  /** Why the policy file was refused, or why defaults apply. */
  readonly note?: string;
}
