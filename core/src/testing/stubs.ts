import type { PluginManifest } from '../common/manifest.js';
import type { Logger } from '../common/plugin.js';
import type { PluginHook, PluginHooks } from '../common/plugin.js';

/** For specs: a logger that keeps quiet. */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** For specs: hooks that fire nothing, except the `call`s a test gives by hook name, e.g. a veto. */
export function stubHooks(calls: Readonly<Record<string, (...args: never[]) => Promise<unknown>>> = {}): PluginHooks {
  return {
    hook: <A extends unknown[], R>(name: string): PluginHook<A, R> => ({
      tap: () => ({ dispose() {} }),
      call: (calls[name] as unknown as PluginHook<A, R>['call'] | undefined) ?? (async () => undefined),
    }),
  };
}

/** For specs: a valid manifest with every list empty, and the fields a test gives. */
export function sampleManifest(id: string, extra: Partial<PluginManifest> = {}): PluginManifest {
  return {
    id,
    version: '1.0.0',
    kernel: '^0.1.0',
    entries: {},
    provides: [],
    requires: [],
    optional: [],
    permissions: [],
    extensionPoints: {},
    hooks: {},
    policy: {},
    contributes: {},
    ...extra,
  };
}
