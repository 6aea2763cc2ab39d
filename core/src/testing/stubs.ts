import type { Logger } from '../common/plugin.js';
import type { PluginHooks } from '../node/hooks.js';

/** For specs: a logger that keeps quiet. */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** For specs: hooks that fire nothing, except the `call`s a test gives, e.g. a veto. */
export function stubHooks(calls: Partial<Record<keyof PluginHooks, (...args: never[]) => Promise<unknown>>> = {}): PluginHooks {
  const idle = { tap: () => ({ dispose() {} }), call: async () => undefined };
  return new Proxy({}, { get: (_, name) => ({ ...idle, ...(calls[name as keyof PluginHooks] ? { call: calls[name as keyof PluginHooks] } : {}) }) }) as PluginHooks;
}
