import type { PathKind } from './views.js';

/** The `solicited` policy section, which `ra.session` declares: help the novice asks for with an invitation. */
export interface SolicitedPolicy {
  readonly allowed: boolean;
  /** Whether a helper may ever take control in an invited session. */
  readonly allowControl: boolean;
  /** The longest an invitation may last, e.g. `6h`; at most `99d`. */
  readonly maxLifetime: string;
}

export const SOLICITED_SECTION = 'solicited';

/** Whether sessions may run over relayed paths: `force` only relayed ones (the direct route stays shut), `forbid` only direct ones. */
export type RelayPolicy = 'allow' | 'force' | 'forbid';

/** The `network` policy section, which `ra.session` declares: how helpers may reach the novice. */
export interface NetworkPolicy {
  readonly relay: RelayPolicy;
}

export const NETWORK_SECTION = 'network';

/** The kinds of path the policy lets a session run over, which routes are told as `kinds`. */
export function allowedPaths(policy: NetworkPolicy): readonly PathKind[] {
  return policy.relay === 'force' ? ['relayed'] : policy.relay === 'forbid' ? ['direct'] : ['direct', 'relayed'];
}
