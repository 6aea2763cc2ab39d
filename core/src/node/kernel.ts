import { Container } from '../common/di.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DisposableStore, toDisposable, type Disposable } from '../common/disposable.js';
import { ManifestError, PolicyError, PolicyUntrustedError, ServiceConflictError, ServiceUnavailableError, SettingsError } from '../common/errors.js';
import { ContributionProvider } from '../common/extension-points.js';
import type { PluginManifest, PluginRecord, PluginState } from '../common/manifest.js';
import { isPluginDefinition, type PluginDefinition } from '../common/plugin.js';
import type { PolicyState } from '../common/policy.js';
import { HostEnvironment, PolicyService } from '../common/services.js';
import { RateLimit } from '../common/rate-limit.js';
import { tokenName, type Token } from '../common/token.js';
import { lockedByPolicy, permissionRefusal, policyBlocks } from './admission.js';
import { within } from './async.js';
import { PluginContext } from './context.js';
import { discoverPlugins, type PluginCandidate, type PluginSource } from './discovery.js';
import { faultOwner, pluginScope } from './faults.js';
import { planActivation, providesName, type GraphNode } from './graph.js';
import { admitted, claimBindings, declaredClash, guardContainer, type GuardDeps } from './guard.js';
import { HookRegistry, pluginHooks } from './hooks.js';
import { IntegrityCache } from './integrity.js';
import { StreamLogger } from './logger.js';
import { NetworkListener, PluginNetworkListener } from './network.js';
import { Watchdog, type Stall } from './watchdog.js';
import { PointCatalogue, schemaProblem } from './points.js';
import { loadPolicy, policySections, sectionValue, type PolicyLocation, type PolicySections } from './policy.js';
import { effectiveSettings } from './plugin-settings.js';
import { changeSetting, policyLookup, settingViews, type SettingView } from './setting-catalog.js';
import { SettingsStore, type UserSettings } from './settings.js';

export interface KernelOptions {
  readonly sources: readonly PluginSource[];
  readonly policy: PolicyLocation;
  /** `$RA_HOME`: user settings live here. */
  readonly home: string;
  readonly logger?: StreamLogger;
  readonly activationTimeoutMs?: number;
  readonly tapTimeoutMs?: number;
  /**
   * When set, the kernel catches uncaught exceptions and unhandled rejections while it runs: one a plugin owns (see
   * `faultOwner`) fails that plugin, which is deactivated while the host runs on; any other is passed here.
   */
  readonly onUnownedFault?: (error: unknown) => void;
  /** When set, a watchdog thread reports an event loop blocked this long and fails the plugin whose code blocked it. */
  readonly watchdogMs?: number;
  /** Decide every plugin's state but load no plugin code: what `ra --help` needs to list commands. */
  readonly dryRun?: boolean;
  /** What the host tells plugins through HostEnvironment: the display, where to listen. */
  readonly environment?: Omit<HostEnvironment, 'home'>;
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
  /** The user's settings for it when it was activated, or last told; a change restarts it unless it listens for changes. */
  settingsKey?: string;
  /** Its settings as last read, defaults filled in: what `ctx.settings` gives. */
  settings: Readonly<Record<string, unknown>>;
  /** The plugin's `onDidChangeSettings` listeners: while there are any, a change is told instead of restarting it. */
  readonly settingsListeners: Set<(settings: Readonly<Record<string, unknown>>) => void>;
  /** Paces the log lines of a plugin whose stray errors keep coming. */
  faultLog?: RateLimit;
  /** Policy's verdict, computed once: integrity reads every file. Null: admitted. */
  policyBlock?: string | null;
  live?: Live;
}

/**
 * The kernel: finds plugins, decides each one's state from manifest, policy, user settings and
 * dependencies, and activates or deactivates them to match. Each plugin gets its own child
 * container, so guarded services resolve through a permission check bound to that plugin.
 */
export class Kernel {
  readonly hooks: HookRegistry;
  readonly logger: StreamLogger;
  readonly settingsStore: SettingsStore;
  /** The host's own view: every service, unguarded. No plugin container inherits from it. */
  private readonly root = new Container({ defaultScope: 'Singleton' });
  private readonly hostStore = new DisposableStore();
  /** Removes the process fault handlers; only after the plugins are deactivated, whose teardown may fault too. */
  private releaseFaults = () => {};
  private readonly watchdog?: Watchdog;
  private readonly timeoutMs: number;
  private slots: Slot[] = [];
  private activeOrder: Slot[] = [];
  private readonly singles = new Map<symbol, Slot>();
  /** The plugin in `activate`, between its claim check and its going live. */
  private activating?: { container: Container; manifest: PluginManifest };
  private policyState!: PolicyState;
  private sections: PolicySections = new Map();
  /** Each hook's owner: the first installed plugin to declare it. */
  private readonly hookOwners = new Map<string, string>();
  private catalogue = new PointCatalogue([]);
  private settings: UserSettings = { plugins: {} };
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly listeners = new Set<() => void>();
  /** Plugins share dependencies: each package is hashed once per boot. */
  private readonly integrity = new IntegrityCache();

  private constructor(private readonly options: KernelOptions) {
    this.logger = options.logger ?? new StreamLogger();
    this.timeoutMs = options.activationTimeoutMs ?? 5000;
    this.settingsStore = new SettingsStore(options.home);
    this.hooks = new HookRegistry((owner, hook, error) => this.report(owner, hook, error), options.tapTimeoutMs);
    this.bindKernelServices();
    if (options.onUnownedFault) this.catchFaults(options.onUnownedFault);
    if (options.watchdogMs) {
      const onError = (e: Error) => this.logger.error(`the watchdog failed, so a blocked event loop goes unreported: ${e.message}`);
      this.watchdog = new Watchdog({ stallMs: options.watchdogMs, onStall: (stall) => this.stalled(stall), onError });
    }
  }

  static async start(options: KernelOptions): Promise<Kernel> {
    const kernel = new Kernel(options);
    try {
      await kernel.boot();
    } catch (e) {
      await kernel.stop();
      throw e;
    }
    return kernel;
  }

  /** Manifests first: they declare the policy sections the policy file is checked against, and the extension points. */
  private async boot(): Promise<void> {
    const candidates = await discoverPlugins(this.options.sources, (m) => this.logger.warn(m));
    const manifests = candidates.flatMap((c) => (c.manifest ? [c.manifest] : []));
    this.sections = policySections(manifests);
    this.catalogue = new PointCatalogue(manifests);
    for (const m of manifests) for (const name of Object.keys(m.hooks)) if (!this.hookOwners.has(name)) this.hookOwners.set(name, m.id);
    this.policyState = await loadPolicy(this.options.policy, this.sections);
    // A managed machine never runs on a policy it cannot trust, not even disabled: ops must see it fail.
    if (this.policyState.origin === 'refused' && this.options.policy.managed) throw new PolicyUntrustedError(this.policyState.note!);
    if (this.policyState.origin === 'refused') this.logger.error(this.policyState.note!);
    this.settings = await this.readSettings();
    this.slots = candidates.map((candidate) => ({ candidate, state: 'invalid', reason: '', ms: 0, errors: 0, settings: {}, settingsListeners: new Set() }));
    this.watchdog?.owners(this.pluginFolders());
    await this.reconcile();
  }

  policy(): PolicyState {
    return this.policyState;
  }

  /** The plugins found at boot, with their manifests as read then. */
  candidates(): PluginCandidate[] {
    return this.slots.map((s) => s.candidate);
  }

  /** Every installed plugin's settings as in force now (user's choice, defaults, policy): the Settings page and `ra settings`. */
  settingViews(): SettingView[] {
    const stored = Object.fromEntries(Object.entries(this.settings.plugins).map(([id, p]) => [id, p.settings]));
    return settingViews(this.manifests(), stored, policyLookup(this.policyState, this.sections));
  }

  /**
   * Sets the setting `id` (`plugin.key`) to `value`, or back to its default when undefined, once it
   * fits the plugin's schema and the policy; writes settings.json and applies it. Throws a SettingsError naming the problem,
   * or a PolicyError when the policy fixes or caps it.
   */
  async changeSetting(id: string, value: unknown): Promise<SettingView> {
    const { manifest, key } = this.settingOwner(id);
    const lookup = policyLookup(this.policyState, this.sections);
    await this.settingsStore.update((s) => {
      try {
        s.plugins[manifest.id] = { ...s.plugins[manifest.id], settings: changeSetting(manifest, s.plugins[manifest.id]?.settings, key, value, lookup) };
      } catch (e) {
        throw e instanceof PolicyError ? e : new SettingsError((e as Error).message);
      }
    });
    await this.reloadSettings();
    return this.settingViews().find((v) => v.id === id)!;
  }

  /** The plugin and key a setting id names; plugin ids have dots too, so the longest installed id that fits wins. */
  settingOwner(id: string): { manifest: PluginManifest; key: string } {
    const manifest = this.manifests()
      .filter((m) => id.startsWith(`${m.id}.`) && !id.slice(m.id.length + 1).includes('.'))
      .sort((a, b) => b.id.length - a.id.length)[0];
    if (!manifest) throw new SettingsError(`no setting '${id}': name it as PLUGIN.KEY, e.g. ra.control.allowControl (see ra settings list)`);
    return { manifest, key: id.slice(manifest.id.length + 1) };
  }

  private manifests(): PluginManifest[] {
    return this.slots.flatMap((s) => (s.candidate.manifest ? [s.candidate.manifest] : []));
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

  /** Host access to a single service, the kernel's or an active plugin's, without a plugin's permission check. */
  get<T>(service: Token<T>): T {
    return this.service(service);
  }

  /** Every extension point the installed plugins and the kernel declare. */
  points(): PointCatalogue {
    return this.catalogue;
  }

  /** Every active plugin's contributions to a list extension point, in activation order. */
  contributions<T>(point: Token<T>): T[] {
    const sources = this.activeOrder.map((s) => ({ container: s.live!.container, manifest: s.candidate.manifest! }));
    // A plugin activating sees its own contributions once they passed the claim check.
    if (this.activating) sources.push(this.activating);
    const known = this.catalogue.byToken(point);
    return sources.flatMap(({ container, manifest }) => {
      if (!container.isCurrentBound(point)) return [];
      const all = container.getAll<T>(point);
      // What a plugin binds after its claim check (it may keep `bind`) counts only if declared and permitted.
      return known ? all.filter((c) => admitted(manifest, known, this.policyState, (c as { id?: unknown }).id)) : all;
    });
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
    this.releaseFaults();
    await this.watchdog?.stop();
  }

  /**
   * The plugin an uncaught error belongs to: the one whose folder holds the frame of its stack
   * closest to the throw, else the one whose code started the work that failed (its activation,
   * deactivation or a hook tap, and whatever those set going). Undefined: RA's own, or unknown.
   */
  faultOwner(error: unknown): string | undefined {
    const installed = this.slots.filter((s) => s.candidate.manifest);
    const dir = faultOwner(
      error,
      installed.map((s) => s.candidate.dir),
    );
    const scope = pluginScope.getStore();
    return (dir ? installed.find((s) => s.candidate.dir === dir) : installed.find((s) => s.candidate.id === scope))?.candidate.id;
  }

  /** The folder of each installed plugin, for the watchdog to find whose code a stalled stack is in. */
  pluginFolders(): { id: string; dir: string }[] {
    return this.slots.filter((s) => s.candidate.manifest).map((s) => ({ id: s.candidate.id, dir: s.candidate.dir }));
  }

  /**
   * Fails a plugin while the host runs on: it is deactivated the usual way (its contributions,
   * taps and services go), its dependents follow, and it stays `failed` with the reason until the
   * user disables and enables it or RA restarts. Another fault of a plugin already failed is only
   * counted, and logged at most a few times a minute.
   */
  disable(id: string, reason: string, detail?: string): void {
    const slot = this.slots.find((s) => s.candidate.id === id && s.candidate.manifest);
    if (!slot) return;
    slot.errors += 1;
    slot.faultLog ??= new RateLimit({ max: 5, windowMs: 60_000 });
    if (slot.faultLog.take()) {
      this.logger.error(`plugin '${id}' ${reason}${slot.failure ? ' (again)' : '; disabling it'}`);
      if (detail) this.logger.debug(detail);
    }
    if (slot.failure) return;
    slot.failure = reason;
    slot.retry = false;
    // Outside the plugin's scope: the reconcile that follows is the kernel's work, not the plugin's.
    pluginScope.exit(() => void this.enqueue(() => this.applyStates()));
  }

  /** A stall is over: the plugin whose code was running then is failed; otherwise it is only reported. */
  private stalled({ ms, plugin, frame }: Stall): void {
    const what = `blocked the event loop for ${(ms / 1000).toFixed(1)} s${frame ? `, at ${frame}` : ''}`;
    if (plugin) this.disable(plugin, what);
    else this.logger.warn(`something ${what}; no plugin's code was running when the watchdog looked`);
  }

  private catchFaults(unowned: (error: unknown) => void): void {
    const catcher = (what: string) => (error: unknown) => {
      const id = this.faultOwner(error);
      if (id) this.disable(id, `${what}: ${describeError(error)}`, error instanceof Error ? error.stack : undefined);
      else unowned(error);
    };
    const uncaught = catcher('threw an uncaught exception');
    const unhandled = catcher('left a promise rejection unhandled');
    process.on('uncaughtException', uncaught);
    process.on('unhandledRejection', unhandled);
    this.releaseFaults = () => {
      process.off('uncaughtException', uncaught);
      process.off('unhandledRejection', unhandled);
    };
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
      if (this.options.dryRun) {
        const planned = this.slots.filter((s) => s.state === 'active' && s !== slot).map((s) => ({ id: s.candidate.id, manifest: s.candidate.manifest! }));
        const clash = declaredClash(slot.candidate.manifest!, this.catalogue, planned);
        Object.assign(slot, clash ? { state: 'failed', reason: `activation failed: ${clash}` } : { state: 'active', reason: 'would activate' }, { ms: 0 });
        continue;
      }
      const unmet = this.unmetRequirement(slot.candidate.manifest!);
      if (unmet) Object.assign(slot, { state: 'missing-dependency', reason: unmet, ms: 0 });
      else await this.activate(slot);
    }
    for (const listener of this.listeners) listener();
  }

  /** Active plugins whose settings changed, and every active plugin that requires one of them. */
  private restartSet(): Set<Slot> {
    const changed = this.activeOrder.filter((s) => s.settingsKey !== this.settingsKey(s.candidate.id));
    const restart = new Set(changed.filter((s) => s.settingsListeners.size === 0));
    for (const slot of changed.filter((s) => s.settingsListeners.size > 0)) this.tellSettings(slot);
    for (const slot of this.activeOrder) {
      const needs = (s: Slot) => slot.candidate.manifest!.requires.some((name) => providesName(s.candidate.manifest!, name));
      if ([...restart].some(needs)) restart.add(slot);
    }
    return restart;
  }

  /** A plugin that listens hears its new settings in its own scope; a listener that throws is logged, and the others still hear. */
  private tellSettings(slot: Slot): void {
    slot.settingsKey = this.settingsKey(slot.candidate.id);
    const settings = (slot.settings = this.pluginSettings(slot.candidate.manifest!));
    for (const listener of slot.settingsListeners) {
      try {
        pluginScope.run(slot.candidate.id, () => listener(settings));
      } catch (e) {
        this.logger.error(`plugin '${slot.candidate.id}' failed to apply its new settings: ${(e as Error).message}`);
      }
    }
  }

  private settingsKey(id: string): string {
    return JSON.stringify(this.settings.plugins[id]?.settings ?? {});
  }

  /** The state a plugin must take whatever its dependencies do, or undefined when it may activate. */
  private async verdict(slot: Slot): Promise<Verdict | undefined> {
    const { manifest, invalid, dir } = slot.candidate;
    if (!manifest) return { state: 'invalid', reason: invalid ?? 'invalid manifest' };
    const misfit = this.catalogue.problem(manifest) ?? this.sectionClash(manifest) ?? this.hookClash(manifest);
    if (misfit) return { state: 'invalid', reason: `manifest: ${misfit}` };
    slot.policyBlock ??= (await policyBlocks(this.policyState, manifest, dir, this.integrity)) ?? null;
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
    const guard = guardContainer(manifest, store, access, this.guardDeps);
    const container = new Container({ parent: guard, defaultScope: 'Singleton' });
    const { hooks, revoke: revokeHooks } = pluginHooks(this.hooks, manifest.id);
    const revoke = () => {
      revokeHooks();
      access.revoked = true;
    };
    const attempt = { cancelled: false };
    try {
      slot.settingsKey = this.settingsKey(manifest.id);
      // Checked now: a broken settings schema fails the activation, naming it.
      slot.settings = this.pluginSettings(manifest);
      store.add(this.hooks.declare(manifest.id, manifest.hooks));
      const context: PluginContext = {
        id: manifest.id,
        manifest,
        dir: slot.candidate.dir,
        logger: this.logger.child(manifest.id),
        hooks,
        subscriptions: store,
        get settings() {
          return slot.settings;
        },
        onDidChangeSettings: (listener) => {
          slot.settingsListeners.add(listener);
          return store.add(toDisposable(() => void slot.settingsListeners.delete(listener)));
        },
        get: (service) => container.get(service),
        contributions: <T>(point: Token<T>) => container.get<ContributionProvider>(ContributionProvider).getContributions(point),
        withheld: (permission) => {
          const why = permissionRefusal(this.guardDeps.policy(), manifest, permission);
          return why && `${why.replace(/^policy/, 'the policy')} '${permission}' permission`;
        },
      };
      guard.bind(PluginContext).toConstantValue(context);
      const loading = pluginScope.run(manifest.id, () => this.load(slot, container, context, attempt));
      const definition = await within(loading, this.timeoutMs, `activation did not finish within ${this.timeoutMs} ms`);
      slot.live = { container, store, definition, revoke };
      this.activeOrder.push(slot);
      const locked = this.settings.plugins[manifest.id]?.enabled === false;
      Object.assign(slot, { state: 'active', reason: locked ? 'kept on: the policy locks the plugin set' : '' });
    } catch (e) {
      attempt.cancelled = true;
      if (this.activating?.container === container) this.activating = undefined;
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
    this.activating = { container, manifest: slot.candidate.manifest! };
    try {
      await definition?.activate?.(context);
    } finally {
      if (this.activating?.container === container) this.activating = undefined;
    }
    step();
    return definition;
  }

  /** Checks what the plugin bound against its manifest and the other plugins, then records its single services. */
  private claim(slot: Slot, container: Container): void {
    const others = this.activeOrder.map((s) => ({ id: s.candidate.id, container: s.live!.container, manifest: s.candidate.manifest! }));
    const singles = new Map([...this.singles].map(([t, s]) => [t, s.candidate.id]));
    for (const t of claimBindings(slot.candidate.manifest!, container, this.guardDeps, others, singles)) this.singles.set(t, slot);
  }

  /** A hook another installed plugin declared first: built-ins come first, so a third party cannot take one over. */
  private hookClash(manifest: PluginManifest): string | undefined {
    const name = Object.keys(manifest.hooks).find((n) => this.hookOwners.get(n) !== manifest.id);
    return name && `declares the hook ${name}, which ${this.hookOwners.get(name)} already declares`;
  }

  /** A policy section another installed plugin declared first. */
  private sectionClash(manifest: PluginManifest): string | undefined {
    const name = Object.keys(manifest.policy).find((n) => this.sections.get(n)?.owner !== manifest.id);
    if (name) return `declares the policy section '${name}', which ${this.sections.get(name)!.owner} already declares`;
    for (const [section, schema] of Object.entries(manifest.policy)) {
      const broken = schemaProblem(schema, `the schema of the policy section '${section}'`);
      if (broken) return broken;
    }
    return undefined;
  }

  private get guardDeps(): GuardDeps {
    return {
      catalogue: this.catalogue,
      policy: () => this.policyState,
      contributions: (t) => this.contributions(t),
      single: (t) => this.service(t),
    };
  }

  private bindKernelServices(): void {
    const policy: PolicyService = {
      current: () => this.policyState,
      section: <T>(name: string) => sectionValue<T>(this.sections, this.policyState.policy, name),
    };
    const environment: HostEnvironment = Object.freeze({ ...this.options.environment, home: this.options.home });
    this.root.bind(PolicyService).toConstantValue(policy);
    this.root.bind(HostEnvironment).toConstantValue(environment);
    this.root.bind(NetworkListener).toDynamicValue(() => new PluginNetworkListener(this.hostStore));
    const provider: ContributionProvider = { getContributions: (t) => this.contributions(t) };
    this.root.bind(ContributionProvider).toConstantValue(provider);
  }

  private service<T>(point: Token<T>): T {
    if (this.catalogue.byToken(point)?.owner === 'kernel') return this.root.get<T>(point);
    const owner = this.singles.get(point)?.live;
    if (!owner) throw new ServiceUnavailableError(`no active plugin provides ${tokenName(point)}`);
    return owner.container.get<T>(point);
  }

  private async deactivate(slot: Slot, verdict: Verdict): Promise<void> {
    const live = slot.live!;
    slot.live = undefined;
    this.activeOrder = this.activeOrder.filter((s) => s !== slot);
    live.revoke();
    try {
      const stopping = pluginScope.run(slot.candidate.id, () => Promise.resolve(live.definition?.deactivate?.()));
      await within(stopping, this.timeoutMs, `did not finish within ${this.timeoutMs} ms`);
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
    return effectiveSettings(manifest, this.settings, (m) => this.logger.warn(m), policyLookup(this.policyState, this.sections));
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

/** An error in one line, for a reason: the message of an Error, a short form of anything else. */
function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
