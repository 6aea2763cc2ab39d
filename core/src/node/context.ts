import type { Disposable, DisposableStore } from '../common/disposable.js';
import type { PluginManifest } from '../common/manifest.js';
import type { Permission } from '../common/permissions.js';
import type { Logger, PluginHooks } from '../common/plugin.js';
import { token, type Token } from '../common/token.js';

/** What a Node-side plugin gets in `activate`, and can inject as `PluginContext` in its classes. */
export interface PluginContext {
  readonly id: string;
  readonly manifest: PluginManifest;
  /** The plugin's own folder. */
  readonly dir: string;
  readonly logger: Logger;
  /** The hooks of every flow: tap any; fire those this plugin's manifest declares. Owners publish typed views. */
  readonly hooks: PluginHooks;
  /** Disposed, newest first, when the plugin deactivates. */
  readonly subscriptions: DisposableStore;
  /** The user's settings for this plugin as they are now, checked against its manifest schema, defaults filled in. */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * Hears each change of this plugin's settings. A plugin with a listener is not restarted when its
   * settings change, so its sessions and sockets go on; the Disposable (or deactivation) stops it.
   */
  onDidChangeSettings(listener: (settings: Readonly<Record<string, unknown>>) => void): Disposable;
  /** A single service: a point's (guarded ones need the manifest permission and the policy grant), or one the plugin bound by its class. */
  get<T>(service: Token<T> | ServiceClass<T>): T;
  /** All active contributions to a list extension point; guarded ones need the permission. */
  contributions<T>(point: Token<T>): T[];
  /**
   * Why this plugin may not use `permission` now, as a sentence's end ("the policy denies every plugin the 'microphone'
   * permission"), or undefined when it may: for a permission no kernel service guards (a microphone in the page).
   */
  withheld(permission: Permission): string | undefined;
}

export const PluginContext = token<PluginContext>('PluginContext');

/** A class a plugin binds its own service by, e.g. `bind(ChatChannel).toDynamicValue(…)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inversify's own Newable takes any arguments
export type ServiceClass<T> = abstract new (...args: any[]) => T;
