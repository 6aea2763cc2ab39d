import type { ContainerModule } from './di.js';
import type { Disposable } from './disposable.js';

const BRAND = Symbol.for('ra.kernel:PluginDefinition');

/**
 * What a plugin entry exports by default. `module` binds its classes and contributions into the
 * plugin's own container; `activate` runs once they are bound. Everything the plugin registers
 * through its context is undone on deactivation.
 */
export interface PluginDefinition<Context = unknown> {
  readonly module?: ContainerModule;
  activate?(context: Context): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}

export type BrandedPluginDefinition<Context> = PluginDefinition<Context> & { readonly [BRAND]: true };

export function definePlugin<Context>(definition: PluginDefinition<Context>): BrandedPluginDefinition<Context> {
  return Object.freeze({ ...definition, [BRAND]: true as const });
}

/** A brand instead of `instanceof`, so a plugin built against another copy of the kernel still passes. */
export function isPluginDefinition(value: unknown): value is BrandedPluginDefinition<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One hook as a plugin sees it, typed by its owner's published API. `call` works only for the owner. */
export interface PluginHook<A extends unknown[], R = void> {
  tap(fn: (...args: A) => R | void | Promise<R | void>): Disposable;
  call(...args: A): Promise<R | undefined>;
}

/** A plugin's door to the hooks: taps carry its id, and go when it deactivates. */
export interface PluginHooks {
  hook<A extends unknown[], R = void>(name: string): PluginHook<A, R>;
}
