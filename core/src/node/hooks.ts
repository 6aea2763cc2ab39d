import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from './vendor.js';
import { toDisposable, type Disposable } from '../common/disposable.js';
import { RaError } from '../common/errors.js';
import type { InvitationRecord } from '../common/services.js';
import type { SessionInfo } from '../common/session.js';
import { within } from './async.js';
import type { DeliveryReceipt, InvitationEnvelope } from '../common/transport.js';

/** An invitation on its way out. A tap may change it, or set `veto` to stop the send with a reason. */
export interface OutgoingInvitation {
  readonly envelope: InvitationEnvelope;
  readonly transport: string;
  readonly target: string;
  readonly veto?: string;
}

export interface ConnectingSession {
  readonly ticketId: string;
  readonly kind: 'solicited' | 'offer';
  readonly helperName: string;
  readonly remoteAddress: string;
}

export interface SessionEnd {
  /** Who ended it: the novice, the helper, or the system (policy, network, expiry). */
  readonly by: 'novice' | 'helper' | 'system';
  readonly reason: string;
}

export interface ConsentEvent {
  readonly session: SessionInfo;
  /** What is asked: to connect at all, or to take control. */
  readonly scope: 'connect' | 'control';
  readonly reason?: string;
}

/** What a tap failure is attributed to: the plugin that tapped, the hook it was in. */
export type TapErrorReporter = (owner: string, hook: string, error: Error) => void;

/**
 * The Node-side lifecycle hooks. Every tap runs inside a guard: a tap that throws, rejects or
 * hangs past the timeout is reported against its plugin and the series goes on as if it had
 * returned nothing.
 */
export class KernelHooks {
  readonly invitationCreated = new AsyncSeriesHook<[InvitationRecord]>(['invitation']);
  readonly invitationBeforeSend = new AsyncSeriesWaterfallHook<[OutgoingInvitation]>(['outgoing']);
  readonly invitationSent = new AsyncSeriesHook<[DeliveryReceipt & { ticketId: string }]>(['receipt']);
  readonly invitationExpired = new AsyncSeriesHook<[InvitationRecord]>(['invitation']);
  /** Bail: the first tap returning a string refuses the connection with that reason. */
  readonly sessionConnecting = new AsyncSeriesBailHook<[ConnectingSession], string | undefined>(['connecting']);
  readonly sessionOpened = new AsyncSeriesHook<[SessionInfo]>(['session']);
  readonly sessionClosed = new AsyncSeriesHook<[SessionInfo, SessionEnd]>(['session', 'end']);
  readonly consentRequested = new AsyncSeriesHook<[ConsentEvent]>(['consent']);
  readonly consentGranted = new AsyncSeriesHook<[ConsentEvent]>(['consent']);
  readonly consentRevoked = new AsyncSeriesHook<[ConsentEvent]>(['consent']);

  constructor(report: TapErrorReporter, tapTimeoutMs = 10_000) {
    for (const [name, hook] of this.entries()) {
      hook.intercept({ register: (tap) => ({ ...tap, fn: guard(tap.type, tap.fn, tap.name, name, report, tapTimeoutMs) }) });
    }
    // A veto is final: each tap sees a frozen copy, and what it returns keeps any earlier veto.
    this.invitationBeforeSend.intercept({
      register: (tap) =>
        normalise(tap, (o: OutgoingInvitation) => Object.freeze({ ...o }), (o, r) => {
          const result = typeof r === 'object' && r !== null ? (r as OutgoingInvitation) : undefined;
          return o.veto ? { ...(result ?? o), veto: o.veto } : result;
        }),
    });
    // Only a reason refuses a connection: `false`, `null` or '' from a tap must not end the series.
    this.sessionConnecting.intercept({
      register: (tap) => normalise(tap, (c: ConnectingSession) => c, (_, r) => (typeof r === 'string' && r.trim() ? r : undefined)),
    });
  }

  /** Drops every tap a plugin made; tapable has no untap, so the list is filtered and recompiled. */
  removeTaps(owner: string, only?: (fn: unknown) => boolean): void {
    for (const [, hook] of this.entries()) {
      const kept = hook.taps.filter((t) => t.name !== owner || (only !== undefined && !only(t.fn)));
      if (kept.length !== hook.taps.length) {
        hook.taps = kept;
        (hook as unknown as { _resetCompilation(): void })._resetCompilation();
      }
    }
  }

  entries(): [HookName, AnyHook][] {
    return HOOK_NAMES.map((n) => [n, this[n] as unknown as AnyHook]);
  }
}

export const HOOK_NAMES = [
  'invitationCreated',
  'invitationBeforeSend',
  'invitationSent',
  'invitationExpired',
  'sessionConnecting',
  'sessionOpened',
  'sessionClosed',
  'consentRequested',
  'consentGranted',
  'consentRevoked',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

type AnyFn = (...args: unknown[]) => unknown;
interface AnyHook {
  taps: { name: string; type: string; fn: AnyFn }[];
  tapPromise(name: string, fn: AnyFn): void;
  intercept(i: { register(tap: { name: string; type: string; fn: AnyFn }): unknown }): void;
}

/** Wraps a sync or promise tap so its argument and result pass through `input` and `output`. */
function normalise<T extends { type: string; fn: unknown }, A, R>(tap: T, input: (a: A) => A, output: (a: A, r: unknown) => R): T {
  if (tap.type === 'async') return tap;
  const fn = tap.fn as AnyFn;
  return {
    ...tap,
    fn: (a: unknown) => {
      const arg = a as A;
      const r = fn(input(arg));
      return tap.type === 'promise' ? Promise.resolve(r).then((v) => output(arg, v)) : output(arg, r);
    },
  };
}

function guard(type: string, fn: AnyFn, owner: string, hook: string, report: TapErrorReporter, timeoutMs: number): AnyFn {
  const fail = (e: unknown) => {
    report(owner, hook, e instanceof Error ? e : new Error(String(e)));
    return undefined;
  };
  const late = `tap did not finish within ${timeoutMs} ms`;
  if (type === 'sync') {
    return (...args) => {
      try {
        return fn(...args);
      } catch (e) {
        return fail(e);
      }
    };
  }
  if (type === 'promise') {
    return (...args) => within(new Promise((resolve) => resolve(fn(...args))), timeoutMs, late).catch(fail);
  }
  return (...args) => {
    const callback = args.pop() as (err: unknown, result?: unknown) => void;
    within(new Promise((resolve, reject) => fn(...args, (err: unknown, r: unknown) => (err ? reject(err) : resolve(r)))), timeoutMs, late)
      .catch(fail)
      .then((r) => callback(null, r));
  };
}

/**
 * What a plugin gets: taps named after the plugin. A tap may be sync or async, and undone early.
 * `call` fires the hook and works only for hooks the manifest lists under `emits`.
 */
export interface PluginHook<A extends unknown[], R = void> {
  tap(fn: (...args: A) => R | Promise<R>): Disposable;
  call(...args: A): Promise<R | undefined>;
}

export interface PluginHooks {
  readonly invitationCreated: PluginHook<[InvitationRecord]>;
  readonly invitationBeforeSend: PluginHook<[OutgoingInvitation], OutgoingInvitation | void>;
  readonly invitationSent: PluginHook<[DeliveryReceipt & { ticketId: string }]>;
  readonly invitationExpired: PluginHook<[InvitationRecord]>;
  readonly sessionConnecting: PluginHook<[ConnectingSession], string | undefined>;
  readonly sessionOpened: PluginHook<[SessionInfo]>;
  readonly sessionClosed: PluginHook<[SessionInfo, SessionEnd]>;
  readonly consentRequested: PluginHook<[ConsentEvent]>;
  readonly consentGranted: PluginHook<[ConsentEvent]>;
  readonly consentRevoked: PluginHook<[ConsentEvent]>;
}

/** Hooks for one plugin; `revoke()` makes later taps no-ops, for a plugin that timed out and woke up. */
export function pluginHooks(hooks: KernelHooks, owner: string, emits: readonly string[] = []): { hooks: PluginHooks; revoke(): void } {
  let revoked = false;
  const facade = {} as Record<HookName, PluginHook<unknown[], unknown>>;
  for (const [name, hook] of hooks.entries()) {
    const add = (fn: AnyFn) => {
      if (revoked) return toDisposable(() => undefined);
      const before = new Set(hook.taps.map((t) => t.fn));
      hook.tapPromise(owner, async (...args: unknown[]) => fn(...args));
      const added = hook.taps.find((t) => !before.has(t.fn))?.fn;
      return toDisposable(() => hooks.removeTaps(owner, (f) => f === added));
    };
    const call = (...args: unknown[]) => {
      if (!emits.includes(name)) return Promise.reject(new RaError(`plugin '${owner}' may not fire ${name}: its manifest does not list it under 'emits'`));
      return revoked ? Promise.resolve(undefined) : (hook as unknown as { promise(...a: unknown[]): Promise<unknown> }).promise(...args);
    };
    facade[name] = { tap: add as PluginHook<unknown[], unknown>['tap'], call };
  }
  return { hooks: facade as unknown as PluginHooks, revoke: () => (revoked = true) };
}
