import { toDisposable, type Disposable } from '../common/disposable.js';
import { RaError, ServiceUnavailableError } from '../common/errors.js';
import type { HookDeclaration } from '../common/manifest.js';
import type { PluginHook, PluginHooks } from '../common/plugin.js';
import { within } from './async.js';
import { pluginScope } from './faults.js';
import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from './vendor.js';

/** What a tap failure is attributed to: the plugin that tapped, the hook it was in. */
export type TapErrorReporter = (owner: string, hook: string, error: Error) => void;

type TapFn = (...args: unknown[]) => unknown;

interface Tap {
  readonly owner: string;
  readonly fn: TapFn;
}

interface Declared {
  readonly owner: string;
  readonly declaration: HookDeclaration;
  /** Rebuilt from `taps` whenever they change: tapable has no untap. */
  compiled?: { promise(...args: unknown[]): Promise<unknown> };
}

/**
 * The hooks of every flow, each declared by the plugin that owns the flow. Only the owner fires
 * one; any plugin may tap it. Every tap runs inside a guard: a tap that throws, rejects or hangs
 * past the timeout is reported against its plugin and the series goes on as if it had returned nothing.
 */
export class HookRegistry {
  private readonly declared = new Map<string, Declared>();
  private readonly taps = new Map<string, Tap[]>();

  constructor(
    private readonly report: TapErrorReporter,
    private readonly tapTimeoutMs = 10_000,
  ) {}

  /** Registers the hooks a plugin's manifest declares; a name another plugin declared is refused. */
  declare(owner: string, hooks: Readonly<Record<string, HookDeclaration>>): Disposable {
    for (const name of Object.keys(hooks)) {
      const other = this.declared.get(name);
      if (other && other.owner !== owner) throw new RaError(`hook ${name} is already declared by ${other.owner}`);
    }
    for (const [name, declaration] of Object.entries(hooks)) this.declared.set(name, { owner, declaration });
    return toDisposable(() => {
      for (const name of Object.keys(hooks)) if (this.declared.get(name)?.owner === owner) this.declared.delete(name);
    });
  }

  /** Adds a tap named after its plugin; it may be sync or async, and undone early. */
  tap(owner: string, name: string, fn: TapFn): Disposable {
    if (!this.declared.has(name)) throw new ServiceUnavailableError(`no active plugin declares the hook ${name}`);
    const tap: Tap = { owner, fn };
    this.taps.set(name, [...(this.taps.get(name) ?? []), tap]);
    this.changed(name);
    return toDisposable(() => {
      this.taps.set(
        name,
        (this.taps.get(name) ?? []).filter((t) => t !== tap),
      );
      this.changed(name);
    });
  }

  /** Fires a hook; only the plugin that declared it may. Resolves with a waterfall's value or a refusal. */
  call(caller: string, name: string, args: unknown[]): Promise<unknown> {
    const hook = this.declared.get(name);
    if (!hook) return Promise.reject(new ServiceUnavailableError(`no active plugin declares the hook ${name}`));
    if (hook.owner !== caller) return Promise.reject(new RaError(`plugin '${caller}' may not fire ${name}: ${hook.owner} owns it`));
    hook.compiled ??= this.compile(name, hook.declaration);
    return hook.compiled.promise(...args);
  }

  /** Drops every tap a plugin made, when it deactivates. */
  removeTaps(owner: string): void {
    for (const [name, taps] of this.taps) {
      const kept = taps.filter((t) => t.owner !== owner);
      if (kept.length === taps.length) continue;
      this.taps.set(name, kept);
      this.changed(name);
    }
  }

  /** The taps of a hook, by plugin id, in order: for `ra plugins list --debug` and specs. */
  tappers(name: string): string[] {
    return (this.taps.get(name) ?? []).map((t) => t.owner);
  }

  private changed(name: string): void {
    const hook = this.declared.get(name);
    if (hook) hook.compiled = undefined;
  }

  private compile(name: string, d: HookDeclaration): { promise(...args: unknown[]): Promise<unknown> } {
    // tapable types a hook by its arity; the declaration fixes the names at run time.
    const args = [...d.args] as unknown as [string];
    const hook = d.kind === 'series' ? new AsyncSeriesHook(args) : d.kind === 'waterfall' ? new AsyncSeriesWaterfallHook(args) : new AsyncSeriesBailHook(args);
    for (const tap of this.taps.get(name) ?? []) {
      const guarded = this.guard(tap, name);
      const fn = d.kind === 'waterfall' ? waterfallStep(guarded, d.final ?? []) : d.kind === 'refuse' ? refusalStep(guarded) : guarded;
      (hook as AsyncSeriesHook<unknown[]>).tapPromise(tap.owner, fn as () => Promise<void>);
    }
    return hook as unknown as { promise(...args: unknown[]): Promise<unknown> };
  }

  private guard(tap: Tap, name: string): (...args: unknown[]) => Promise<unknown> {
    const late = `tap did not finish within ${this.tapTimeoutMs} ms`;
    return (...args) =>
      within(new Promise((resolve) => resolve(pluginScope.run(tap.owner, () => tap.fn(...args)))), this.tapTimeoutMs, late).catch((e: unknown) => {
        this.report(tap.owner, `hook ${name}`, e instanceof Error ? e : new Error(String(e)));
        return undefined;
      });
  }
}

/** Each tap sees a frozen copy; what it returns replaces the value, except fields already set that are final. */
function waterfallStep(fn: (...args: unknown[]) => Promise<unknown>, final: readonly string[]) {
  return async (value: unknown, ...rest: unknown[]) => {
    const input = typeof value === 'object' && value !== null ? Object.freeze({ ...value }) : value;
    const r = await fn(input, ...rest);
    if (typeof r !== 'object' || r === null) return value;
    const kept = Object.fromEntries(
      final.filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => [k, (value as Record<string, unknown>)[k]]),
    );
    return { ...r, ...kept };
  };
}

/** Only a reason refuses: `false`, `null` or '' from a tap must not end the series. */
function refusalStep(fn: (...args: unknown[]) => Promise<unknown>) {
  return async (...args: unknown[]) => {
    const r = await fn(...args);
    return typeof r === 'string' && r.trim() ? r : undefined;
  };
}

/** Hooks for one plugin; `revoke()` makes later taps and calls no-ops, for a plugin that timed out and woke up. */
export function pluginHooks(registry: HookRegistry, owner: string): { hooks: PluginHooks; revoke(): void } {
  let revoked = false;
  const hooks: PluginHooks = {
    hook: <A extends unknown[], R>(name: string): PluginHook<A, R> => ({
      tap: (fn) => (revoked ? toDisposable(() => undefined) : registry.tap(owner, name, fn as TapFn)),
      call: (...args) => (revoked ? Promise.resolve(undefined) : (registry.call(owner, name, args) as Promise<R | undefined>)),
    }),
  };
  return { hooks, revoke: () => (revoked = true) };
}
