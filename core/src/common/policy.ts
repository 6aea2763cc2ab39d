import type { Permission } from './permissions.js';

export const MINUTE = 60_000;
export const DAY_MINUTES = 24 * 60;
/** Windows' Remote Assistance caps tickets at 99 days; so do we, whatever a policy says. */
export const HARD_MAX_LIFETIME_MINUTES = 99 * DAY_MINUTES;

export interface PluginAllowance {
  /** A semver range, e.g. `0.1.0` or `^1.2.0`. */
  readonly versions: string;
  /** `sha512-<base64>` over the plugin's files, as `ra plugins hash` prints it. */
  readonly integrity?: string;
  /** Narrows the permissions the plugin's manifest asks for. */
  readonly permissions?: readonly Permission[];
}

/** The machine policy, after parsing: the ops team's lockdown. */
export interface Policy {
  /** RA allowed on this machine at all. */
  readonly allowed: boolean;
  /** Help the novice asks for (invitations). */
  readonly solicited: { readonly allowed: boolean; readonly allowControl: boolean; readonly maxLifetimeMinutes: number };
  readonly email: { readonly method: 'mailto' | 'attachment' };
  /** Help a listed helper offers without an invitation. */
  readonly offers: { readonly allowed: boolean; readonly allowControl: boolean; readonly helpers: readonly string[] };
  readonly plugins: {
    /** Absent: any plugin may load. Present: only these, and users cannot widen it. */
    readonly allowlist?: Readonly<Record<string, PluginAllowance>>;
    /** Users may not disable allowlisted plugins either: the set is exactly what ops shipped. */
    readonly locked: boolean;
    readonly deniedPermissions: readonly Permission[];
  };
}

export const DEFAULT_POLICY: Policy = {
  allowed: true,
  solicited: { allowed: true, allowControl: true, maxLifetimeMinutes: 30 * DAY_MINUTES },
  email: { method: 'attachment' },
  offers: { allowed: false, allowControl: false, helpers: [] },
  plugins: { locked: false, deniedPermissions: [] },
};

/** What RA runs with when a policy exists but cannot be trusted: nothing is allowed. */
export const SAFEST_POLICY: Policy = {
  allowed: false,
  solicited: { allowed: false, allowControl: false, maxLifetimeMinutes: 60 },
  email: { method: 'mailto' },
  offers: { allowed: false, allowControl: false, helpers: [] },
  plugins: { allowlist: {}, locked: true, deniedPermissions: [] },
};

export type PolicyOrigin = 'file' | 'default' | 'refused';

export interface PolicyState {
  readonly policy: Policy;
  readonly origin: PolicyOrigin;
  readonly path: string;
  /** Why the policy file was refused, or why defaults apply. */
  readonly note?: string;
}
