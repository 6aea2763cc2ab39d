import type { PolicyState } from './policy.js';
import { token } from './token.js';

/** Read-only view of the verified machine policy. Provided by the kernel. */
export interface PolicyService {
  current(): PolicyState;
  /**
   * A policy section a plugin declared in its manifest, checked against its schema with the
   * defaults filled in. Any plugin may read any section; only the signed file writes them.
   */
  section<T>(name: string): T;
}

/**
 * What the host hands its plugins instead of environment variables: the display to share, where
 * to listen for helpers (or not at all), and RA's home folder. Provided by the kernel.
 */
export interface HostEnvironment {
  /** RA's home folder (`$RA_HOME`); a plugin with the `filesystem` permission keeps its files under it. */
  readonly home: string;
  /** The X display to share, e.g. `:0`, or undefined when there is none. */
  readonly display?: string;
  /** The port helpers connect to as `ra start --port` set it; `off` for a helper-only RA; undefined: the plugin's own setting. */
  readonly listenPort?: number | 'off';
}

export const PolicyService = token<PolicyService>('PolicyService');
export const HostEnvironment = token<HostEnvironment>('HostEnvironment');
