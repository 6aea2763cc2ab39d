import { Container } from '../common/di.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DisposableStore, toDisposable, type Disposable } from '../common/disposable.js';
import { ManifestError, PermissionDeniedError, RaError, ServiceConflictError, ServiceUnavailableError, SettingsError } from '../common/errors.js';
import { ContributionProvider, EXTENSION_POINTS, extensionPoint, type ExtensionPoint } from '../common/extension-points.js';
import type { PluginManifest, PluginRecord, PluginState } from '../common/manifest.js';
import { isPluginDefinition, type PluginDefinition } from '../common/plugin.js';
import type { PolicyState } from '../common/policy.js';
import { NetworkListener, PolicyService, SettingsService } from '../common/services.js';
import { tokenName, type Token } from '../common/token.js';
import { lockedByPolicy, permissionRefusal, policyBlocks } from './admission.js';
import { within } from './async.js';
import { PluginContext } from './context.js';
import { discoverPlugins, type PluginCandidate, type PluginSource } from './discovery.js';
import { planActivation, providesName, type GraphNode } from './graph.js';
import { KernelHooks, pluginHooks } from './hooks.js';
import { StreamLogger } from './logger.js';
import { PluginNetworkListener } from './network.js';
import { loadPolicy, type PolicyLocation } from './policy.js';
import { checkSchema } from './schema.js';
import { SettingsStore, type UserSettings } from './settings.js';

export interface KernelOptions {
  readonly sources: readonly PluginSource[];
  readonly policy: PolicyLocation;
  /** `$RA_HOME`: user settings live here. */
  readonly home: string;
  readonly logger?: StreamLogger;
  readonly activationTimeoutMs?: number;
  readonly tapTimeoutMs?: number;
}

interface Live {
  readonly container: Container;
  readonly store: DisposableStore;
  readonly definition?: PluginDefinition<PluginContext>;
  readonly revoke: () => void;
}

interface Verdict {
  readonly state: Exclude<PluginState, 'active'>;
  readonly reason: string;
}

/** One discovered plugin and where it stands. */
interface Slot {
  readonly candidate: PluginCandidate;
  state: PluginState;
  reason: string;
  ms: number;
  errors: number;
  /** Set when activation failed; stays until the user disables the plugin, changes its settings or restarts RA. */
  failure?: string;
  /** The failure was a clash with another plugin, which may since have gone: try again next time. */
  retry?: boolean;
  /** The user's settings for it when it was activated; a change restarts it. */
  settingsKey?: string;
  /** Policy's verdict, computed once: integrity reads every file. Null: admitted. */
  policyBlock?: string | null;
  live?: Live;
}

const NODE_POINTS = EXTENSION_POINTS.filter((p) => p.side === 'node');

/**
 * The kernel: finds plugins, decides each one's state from manifest, policy, user settings and
 * dependencies, and activates or deactivates them to match. Each plugin gets its own child
 * container, so guarded services resolve through a permission check bound to that plugin.
 */
export class Kernel {
  readonly hooks: KernelHooks;
  readonly logger: StreamLogger;
  readonly settingsStore: SettingsStore;
  /** The host's own view: every service, unguarded. No plugin container inherits from it. */
  private readonly root = new Container({ defaultScope: 'Singleton' });
  private readonly hostStore = new DisposableStore();
  private readonly timeoutMs: number;
  private slots: Slot[] = [];
  private activeOrder: Slot[] = [];
  private readonly singles = new Map<symbol, Slot>();
  private policyState!: PolicyState;
  private settings: UserSettings = { plugins: {} };
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly options: KernelOptions) {
    this.logger = options.logger ?? new StreamLogger();
    this.timeoutMs = options.activationTimeoutMs ?? 5000;
    this.settingsStore = new SettingsStore(options.home);
    this.hooks = new KernelHooks((owner, hook, error) => this.report(owner, `hook ${hook}`, error), options.tapTimeoutMs);
    this.bindKernelServices();
  }

  static async start(options: KernelOptions): Promise<Kernel> {
    const kernel = new Kernel(options);
    await kernel.boot();
    return kernel;
  }

  private async boot(): Promise<void> {
    this.policyState = await loadPolicy(this.options.policy);
    if (this.policyState.origin === 'refused') this.logger.error(this.policyState.note!);
    this.settings = await this.readSettings();
    const candidates = await discoverPlugins(this.options.sources, (m) => this.logger.warn(m));
    this.slots = candidates.map((candidate) => ({ candidate, state: 'invalid', reason: '', ms: 0, errors: 0 }));
    await this.reconcile();
  }

  policy(): PolicyState {
    return this.policyState;
  }

  records(): PluginRecord[] {
    return this.slots.map((s) => ({
      id: s.candidate.id,
      version: s.candidate.manifest?.version ?? '-',
      path: s.candidate.dir,
      origin: s.candidate.origin,
      state: s.state,
      reason: s.reason,
      ms: s.ms,
      errors: s.errors,
      browser: s.candidate.manifest?.entries.browser,
    }));
  }

  /** Called after every change of plugin states. */
  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }

  /** Host access to a single service, without a plugin's permission check. */
  get<T>(service: Token<T>): T {
    return this.root.get<T>(service);
  }

  /** Every active plugin's contributions to a list extension point, in activation order. */
  contributions<T>(point: Token<T>): T[] {
    return this.activeOrder.flatMap((s) => (s.live!.container.isCurrentBound(point) ? s.live!.container.getAll<T>(point) : []));
  }

  /** Applies settings.json changes in the running host: the CLI's enable and disable land here. */
  async watchSettings(): Promise<void> {
    const watcher = await this.settingsStore.watch(() => void this.reloadSettings());
    this.hostStore.add(watcher);
  }

  /** Re-reads settings.json and applies it; the read is queued too, so an older read never wins. */
  reloadSettings(): Promise<void> {
    return this.enqueue(async () => {
      this.settings = await this.readSettings();
      await this.applyStates();
    });
  }

  /** Brings every plugin to the state it should be in now. */
  reconcile(): Promise<void> {
    return this.enqueue(() => this.applyStates());
  }

  /** Stops watching, then deactivates everything; nothing queued after this activates a plugin. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.hostStore.dispose().catch((e) => this.logger.error(`host shutdown: ${(e as Error).message}`));
    await this.enqueue(async () => {
      for (const slot of [...this.activeOrder].reverse()) await this.deactivate(slot, { state: 'disabled-by-user', reason: 'host stopped' });
    }, true);
  }

  /** Runs state changes one at a time, in the order asked; none runs once stopping, except the stop itself. */
  private enqueue(job: () => Promise<void>, evenWhenStopping = false): Promise<void> {
    this.queue = this.queue
      .then(() => (this.stopping && !evenWhenStopping ? undefined : job()))
      .catch((e) => this.logger.error(`plugin state change failed: ${(e as Error).stack}`));
    return this.queue;
  }

  private async applyStates(): Promise<void> {
    const fixed = new Map<Slot, Verdict>();
    const nodes: GraphNode[] = [];
    for (const slot of this.slots) {
      const verdict = await this.verdict(slot);
      if (verdict) fixed.set(slot, verdict);
      const m = slot.candidate.manifest;
      if (m) nodes.push({ id: m.id, provides: m.provides, requires: m.requires, optional: m.optional, blockedAs: verdict?.state });
    }
    const plan = planActivation(nodes);
    const target = (slot: Slot): Verdict | undefined => {
      const missing = plan.missing.get(slot.candidate.id);
      return fixed.get(slot) ?? (missing && slot.candidate.manifest ? { state: 'missing-dependency', reason: missing } : undefined);
    };
    const restart = this.restartSet();
    for (const slot of [...this.activeOrder].reverse()) {
      const verdict = target(slot) ?? (restart.has(slot) ? { state: 'disabled-by-user', reason: 'restarting: its settings changed' } : undefined);
      if (verdict) await this.deactivate(slot, verdict);
    }
    for (const slot of this.slots) {
      const verdict = target(slot);
      if (verdict && !slot.live) Object.assign(slot, { state: verdict.state, reason: verdict.reason, ms: 0 });
    }
    for (const id of plan.order) {
      const slot = this.slots.find((s) => s.candidate.id === id && s.candidate.manifest)!;
      if (slot.live) continue;
      const unmet = this.unmetRequirement(slot.candidate.manifest!);
      if (unmet) Object.assign(slot, { state: 'missing-dependency', reason: unmet, ms: 0 });
      else await this.activate(slot);
    }
    for (const listener of this.listeners) listener();
  }

  /** Active plugins whose settings changed, and every active plugin that requires one of them. */
  private restartSet(): Set<Slot> {
    const restart = new Set(this.activeOrder.filter((s) => s.settingsKey !== this.settingsKey(s.candidate.id)));
    for (const slot of this.activeOrder) {
      const needs = (s: Slot) => slot.candidate.manifest!.requires.some((name) => providesName(s.candidate.manifest!, name));
      if ([...restart].some(needs)) restart.add(slot);
    }
    return restart;
  }

  private settingsKey(id: string): string {
    return JSON.stringify(this.settings.plugins[id]?.settings ?? {});
  }

  /** The state a plugin must take whatever its dependencies do, or undefined when it may activate. */
  private async verdict(slot: Slot): Promise<Verdict | undefined> {
    const { manifest, invalid, dir } = slot.candidate;
    if (!manifest) return { state: 'invalid', reason: invalid ?? 'invalid manifest' };
    slot.policyBlock ??= (await policyBlocks(this.policyState, manifest, dir)) ?? null;
    if (slot.policyBlock) return { state: 'disabled-by-policy', reason: slot.policyBlock };
    if (this.settings.plugins[manifest.id]?.enabled === false && !lockedByPolicy(this.policyState, manifest.id)) {
      slot.failure = undefined;
      return { state: 'disabled-by-user', reason: `disabled in ${this.settingsStore.path}` };
    }
    if (slot.retry || (slot.failure && slot.settingsKey !== this.settingsKey(manifest.id))) slot.failure = undefined;
    return slot.failure ? { state: 'failed', reason: slot.failure } : undefined;
  }

  /** A dependency planned to activate may have failed since; its dependents wait. */
  private unmetRequirement(manifest: PluginManifest): string | undefined {
    for (const name of manifest.requires) {
      const providers = this.slots.filter((s) => s.candidate.manifest && providesName(s.candidate.manifest, name));
      if (!providers.some((p) => p.live)) {
        const p = providers[0];
        return `requires '${name}', but ${p?.candidate.id} is ${p?.state}${p?.reason ? ` (${p.reason})` : ''}`;
      }
    }
    return undefined;
  }

  private async activate(slot: Slot): Promise<void> {
    const started = performance.now();
    const manifest = slot.candidate.manifest!;
    const store = new DisposableStore();
    const access = { revoked: false };
    const guard = this.guardContainer(slot, store, access);
    const container = new Container({ parent: guard, defaultScope: 'Singleton' });
    const { hooks, revoke: revokeHooks } = pluginHooks(this.hooks, manifest.id, manifest.emits);
    const revoke = () => {
      revokeHooks();
      access.revoked = true;
    };
    const attempt = { cancelled: false };
    try {
      slot.settingsKey = this.settingsKey(manifest.id);
      const context: PluginContext = {
        id: manifest.id,
        manifest,
        dir: slot.candidate.dir,
        home: this.options.home,
        logger: this.logger.child(manifest.id),
        hooks,
        subscriptions: store,
        settings: this.pluginSettings(manifest),
        get: (service) => container.get(service),
        contributions: <T>(point: Token<T>) => container.get<ContributionProvider>(ContributionProvider).getContributions(point),
      };
      guard.bind(PluginContext).toConstantValue(context);
      const definition = await within(
        this.load(slot, container, context, attempt),
        this.timeoutMs,
        `activation did not finish within ${this.timeoutMs} ms`,
      );
      slot.live = { container, store, definition, revoke };
      this.activeOrder.push(slot);
      const locked = this.settings.plugins[manifest.id]?.enabled === false;
      Object.assign(slot, { state: 'active', reason: locked ? 'kept on: the policy locks the plugin set' : '' });
    } catch (e) {
      attempt.cancelled = true;
      revoke();
      await this.release(slot, { container, store });
      slot.failure = `activation failed: ${(e as Error).message}`;
      slot.retry = e instanceof ServiceConflictError;
      Object.assign(slot, { state: 'failed', reason: slot.failure });
      this.logger.error(`plugin '${manifest.id}' ${slot.failure}`);
    }
    slot.ms = Math.round((performance.now() - started) * 10) / 10;
  }

  private async load(
    slot: Slot,
    container: Container,
    context: PluginContext,
    attempt: { cancelled: boolean },
  ): Promise<PluginDefinition<PluginContext> | undefined> {
    const { manifest, dir } = slot.candidate;
    const step = () => {
      if (attempt.cancelled) throw new Error('cancelled');
    };
    let definition: PluginDefinition<PluginContext> | undefined;
    if (manifest!.entries.node) {
      const module: { default?: unknown } = await import(pathToFileURL(join(dir, manifest!.entries.node)).href);
      step();
      if (!isPluginDefinition(module.default)) {
        throw new ManifestError(`${manifest!.entries.node} does not export a plugin as default (use definePlugin)`);
      }
      definition = module.default as PluginDefinition<PluginContext>;
    }
    if (definition?.module) await container.loadAsync(definition.module);
    step();
    this.claim(slot, container);
    await definition?.activate?.(context);
    step();
    return definition;
  }

  /** Checks what the plugin bound against its manifest and the other plugins, then records its single services. */
  private claim(slot: Slot, container: Container): void {
    const manifest = slot.candidate.manifest!;
    const claimed: symbol[] = [];
    for (const point of NODE_POINTS) {
      const declared = manifest.contributes[point.name];
      if (!container.isCurrentBound(point.token)) {
        if (declared) throw new ManifestError(`its manifest declares ${point.name} but the plugin binds none`);
        continue;
      }
      if (point.providedBy === 'kernel') throw new ServiceConflictError(`${point.name} is provided by the kernel; a plugin cannot provide another`);
      if (point.permission) this.demand(slot, point);
      if (point.cardinality === 'one') {
        if (declared !== true) throw new ManifestError(`binds ${point.name} but its manifest does not declare it in "contributes"`);
        const owner = this.singles.get(point.token);
        if (owner) throw new ServiceConflictError(`exactly one plugin may provide ${point.name}, and ${owner.candidate.id} already does`);
        claimed.push(point.token);
      } else {
        this.checkListIds(slot, container, point, Array.isArray(declared) ? declared : []);
      }
    }
    for (const t of claimed) this.singles.set(t, slot);
  }

  private checkListIds(slot: Slot, container: Container, point: ExtensionPoint, declared: readonly string[]): void {
    const ids = container.getAll<{ id: string }>(point.token).map((c) => c.id);
    const undeclared = ids.find((id) => !declared.includes(id));
    if (undeclared !== undefined) throw new ManifestError(`contributes ${point.name} '${undeclared}' that its manifest does not declare`);
    const unbound = declared.find((id) => !ids.includes(id));
    if (unbound !== undefined) throw new ManifestError(`its manifest declares ${point.name} '${unbound}' but the plugin does not bind it`);
    for (const other of this.activeOrder) {
      const clash = other.live!.container.isCurrentBound(point.token)
        ? other.live!.container.getAll<{ id: string }>(point.token).find((c) => ids.includes(c.id))
        : undefined;
      if (clash) throw new ServiceConflictError(`${point.name} '${clash.id}' is already contributed by ${other.candidate.id}`);
    }
  }

  /**
   * The parent of a plugin's container, built before any plugin code runs: everything the plugin can
   * reach that it did not bind itself, each behind a check for this plugin. The plugin's module can
   * only change its own container, never this one.
   */
  private guardContainer(slot: Slot, store: DisposableStore, access: { revoked: boolean }): Container {
    const id = slot.candidate.id;
    const guard = new Container({ defaultScope: 'Singleton' });
    const check = (point?: ExtensionPoint) => {
      if (access.revoked) throw new ServiceUnavailableError(`plugin '${id}' is no longer active`);
      if (point?.permission) this.demand(slot, point);
    };
    const contributions: ContributionProvider = {
      getContributions: <T>(t: Token<T>): T[] => {
        const point = extensionPoint(t);
        if (point?.cardinality !== 'many') throw new ServiceUnavailableError(`${tokenName(t)} is not a list extension point`);
        check(point);
        return this.contributions(t);
      },
    };
    const settings: SettingsService = {
      pluginSettings: (other) => {
        check();
        if (other !== id) throw new RaError(`plugin '${id}' may read only its own settings, not those of '${other}'`);
        return this.pluginSettings(slot.candidate.manifest!);
      },
    };
    guard.bind(ContributionProvider).toConstantValue(contributions);
    guard.bind(SettingsService).toConstantValue(settings);
    for (const point of NODE_POINTS) {
      if (point.cardinality !== 'one' || point.token === SettingsService) continue;
      guard
        .bind(point.token)
        .toDynamicValue(() => {
          check(point);
          return point.token === NetworkListener ? new PluginNetworkListener(store) : this.root.get(point.token);
        })
        .inTransientScope();
    }
    return guard;
  }

  private demand(slot: Slot, point: ExtensionPoint): void {
    const manifest = slot.candidate.manifest!;
    const why = permissionRefusal(this.policyState, manifest, point.permission!);
    if (why) throw new PermissionDeniedError(manifest.id, point.permission!, point.name, why);
  }

  private bindKernelServices(): void {
    const policy: PolicyService = { current: () => this.policyState };
    const settings: SettingsService = {
      pluginSettings: (id) => {
        const manifest = this.slots.find((s) => s.candidate.id === id)?.candidate.manifest;
        return manifest ? this.pluginSettings(manifest) : {};
      },
    };
    this.root.bind(PolicyService).toConstantValue(policy);
    this.root.bind(SettingsService).toConstantValue(settings);
    this.root.bind(NetworkListener).toDynamicValue(() => new PluginNetworkListener(this.hostStore));
    const provider: ContributionProvider = { getContributions: (t) => this.contributions(t) };
    this.root.bind(ContributionProvider).toConstantValue(provider);
    for (const point of NODE_POINTS) {
      if (point.cardinality !== 'one' || point.providedBy === 'kernel') continue;
      this.root
        .bind(point.token)
        .toDynamicValue(() => {
          const owner = this.singles.get(point.token)?.live;
          if (!owner) throw new ServiceUnavailableError(`no active plugin provides ${point.name}`);
          return owner.container.get(point.token);
        })
        .inTransientScope();
    }
  }

  private async deactivate(slot: Slot, verdict: Verdict): Promise<void> {
    const live = slot.live!;
    slot.live = undefined;
    this.activeOrder = this.activeOrder.filter((s) => s !== slot);
    live.revoke();
    try {
      await within(Promise.resolve(live.definition?.deactivate?.()), this.timeoutMs, `did not finish within ${this.timeoutMs} ms`);
    } catch (e) {
      this.report(slot.candidate.id, 'deactivate', e as Error);
    }
    await this.release(slot, live);
    Object.assign(slot, verdict);
  }

  /** Undoes everything a plugin contributed: taps, subscriptions, single services, bindings. */
  private async release(slot: Slot, live: Pick<Live, 'container' | 'store'>): Promise<void> {
    const id = slot.candidate.id;
    this.hooks.removeTaps(id);
    for (const [t, owner] of this.singles) if (owner === slot) this.singles.delete(t);
    await live.store.dispose().catch((e) => this.report(id, 'dispose', e as Error));
    await live.container.unbindAllAsync().catch((e) => this.report(id, 'dispose', e as Error));
  }

  private pluginSettings(manifest: PluginManifest): Readonly<Record<string, unknown>> {
    const schema = manifest.settings;
    const given = structuredClone(this.settings.plugins[manifest.id]?.settings ?? {});
    if (!schema) return given;
    const problem = checkSchema(schema, given);
    if (!problem) return given;
    this.logger.warn(`settings for '${manifest.id}' ignored, defaults used: ${problem}`);
    const defaults = {};
    checkSchema(schema, defaults);
    return defaults;
  }

  private async readSettings(): Promise<UserSettings> {
    try {
      return await this.settingsStore.read();
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      this.logger.error(`${e.message}; keeping the settings in force`);
      return this.settings;
    }
  }

  private report(owner: string, where: string, error: Error): void {
    const slot = this.slots.find((s) => s.candidate.id === owner);
    if (slot) slot.errors += 1;
    this.logger.error(`plugin '${owner}' failed in ${where}: ${error.message}`);
  }
}
