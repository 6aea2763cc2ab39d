import type { Permission } from './permissions.js';

/** The `raPlugin` key of a plugin's package.json, checked against a JSON Schema before any code loads. */
export interface PluginManifest {
  readonly id: string;
  /** From package.json `version`. */
  readonly version: string;
  readonly displayName?: string;
  /** Semver range of kernel versions the plugin was written against. */
  readonly kernel: string;
  /** Paths relative to the plugin folder; `cli` holds the handlers of the commands it contributes. */
  readonly entries: { readonly node?: string; readonly browser?: string; readonly cli?: string };
  /** Names other plugins may require; a plugin's id always counts as provided. */
  readonly provides: readonly string[];
  readonly requires: readonly string[];
  /** Loaded first when present; their absence is no error. */
  readonly optional: readonly string[];
  readonly permissions: readonly Permission[];
  /** Extension points this plugin owns, by token name: others contribute, this plugin consumes. */
  readonly extensionPoints: Readonly<Record<string, ExtensionPointDeclaration>>;
  /** Hooks of the flows this plugin owns: only it fires them, any plugin may tap them. */
  readonly hooks: Readonly<Record<string, HookDeclaration>>;
  /** Policy sections this plugin owns, by name, each a JSON Schema with defaults. */
  readonly policy: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * What the plugin adds, by extension point name: its entries for list points (ids, or objects
   * with an `id` that the point's schema checks), `true` for a single service. The loader checks
   * the code binds exactly this.
   */
  readonly contributes: Readonly<Record<string, readonly ContributionEntry[] | true>>;
  /** JSON Schema of the plugin's user settings; defaults fill gaps. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

export type ContributionEntry = string | { readonly id: string; readonly [key: string]: unknown };

export interface ExtensionPointDeclaration {
  readonly cardinality: 'many' | 'one';
  readonly side?: 'node' | 'browser';
  readonly permission?: Permission;
  readonly description?: string;
  /** JSON Schema of one entry under `contributes.<name>`; by default an id. */
  readonly contribution?: Readonly<Record<string, unknown>>;
}

/**
 * `series`: every tap runs in turn. `waterfall`: each tap may return a changed copy of the value;
 * fields named in `final` keep the first value a tap set. `refuse`: the first tap that returns a
 * reason stops the flow with it.
 */
export interface HookDeclaration {
  readonly kind: 'series' | 'waterfall' | 'refuse';
  /** Names of the arguments, in order. */
  readonly args: readonly string[];
  readonly final?: readonly string[];
  readonly description?: string;
}

export const PLUGIN_STATES = ['active', 'disabled-by-user', 'disabled-by-policy', 'invalid', 'failed', 'missing-dependency'] as const;
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
