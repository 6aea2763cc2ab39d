import type { Permission } from './permissions.js';

/** The `raPlugin` key of a plugin's package.json, checked against a JSON Schema before any code loads. */
export interface PluginManifest {
  readonly id: string;
  /** From package.json `version`. */
  readonly version: string;
  readonly displayName?: string;
  /** Semver range of kernel versions the plugin was written against. */
  readonly kernel: string;
  /** Paths relative to the plugin folder. */
  readonly entries: { readonly node?: string; readonly browser?: string };
  /** Names other plugins may require; a plugin's id always counts as provided. */
  readonly provides: readonly string[];
  readonly requires: readonly string[];
  /** Loaded first when present; their absence is no error. */
  readonly optional: readonly string[];
  readonly permissions: readonly Permission[];
  /** Hooks this plugin fires, because it owns the flow they describe (the session plugin fires `sessionOpened`). */
  readonly emits: readonly string[];
  /**
   * What the plugin adds, by extension point name: the ids of its contributions for list points
   * (`"InvitationTransport": ["file"]`), `true` for a single service (`"Mailer": true`).
   * The loader checks the code binds exactly this.
   */
  readonly contributes: Readonly<Record<string, readonly string[] | true>>;
  /** JSON Schema of the plugin's user settings; defaults fill gaps. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

export const PLUGIN_STATES = [
  'active',
  'disabled-by-user',
  'disabled-by-policy',
  'invalid',
  'failed',
  'missing-dependency',
] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];

/** Where a plugin ended up, and why: what `ra plugins list` shows. */
export interface PluginRecord {
  readonly id: string;
  readonly version: string;
  readonly path: string;
  readonly origin: 'builtin' | 'external';
  readonly state: PluginState;
  readonly reason: string;
  /** Time spent loading and activating it, 0 when it never got that far. */
  readonly ms: number;
  /** Errors it raised after activation (hook taps, disposal), each attributed and logged. */
  readonly errors: number;
  /** Its browser entry as the manifest names it, read once at discovery. */
  readonly browser?: string;
}
