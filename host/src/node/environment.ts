import { lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelOptions, PluginSource, PolicyLocation } from '@ra/kernel/node';
import { isMissing, parseLogLevel, StreamLogger } from '@ra/kernel/node';
import { UsageError } from './cli-error.js';

/** Where RA keeps and finds things, from the environment; each has a default a real install uses. */
export interface Environment {
  readonly home: string;
  readonly policyPath: string;
  readonly opsKeyPath: string;
  /** Set on a managed machine: the system file that makes it one. Its policy binds; the RA_* overrides are ignored. */
  readonly managed?: string;
  readonly pluginPath: readonly string[];
  readonly builtinPlugins: string;
  readonly activationTimeoutMs?: number;
  /** How long `ra start` lets the event loop be blocked before its watchdog reports it and fails the plugin at fault. */
  readonly watchdogMs: number;
  readonly logger: StreamLogger;
  /** What plugins learn through HostEnvironment: `DISPLAY`, and `RA_PORT` (a number, or `off` for a helper-only RA). */
  readonly display?: string;
  readonly listenPort?: number | 'off';
}

/** Where ops put a managed machine's pinned key and signed policy: root's files, fixed in the code. */
export interface SystemPaths {
  readonly opsKey: string;
  readonly policy: string;
}

export const SYSTEM_PATHS: SystemPaths = { opsKey: '/etc/ra/ops-key.pub', policy: '/etc/ra/policy.json' };

/** The variables that could loosen a policy: read only on an unmanaged machine, the first two only with RA_UNMANAGED=1. */
const OVERRIDES = ['RA_POLICY', 'RA_OPS_KEY', 'RA_PLUGIN_PATH'] as const;

/**
 * Reads the environment. `system` is a parameter, not a variable, so that specs can stand in for
 * /etc/ra while a user, who can set variables but not change RA's code, cannot.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, system: SystemPaths = SYSTEM_PATHS): Environment {
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const timeout = env.RA_ACTIVATION_TIMEOUT_MS;
  if (timeout !== undefined && !(/^[1-9][0-9]{0,5}$/.test(timeout) && Number(timeout) <= 600_000)) {
    throw new UsageError(`RA_ACTIVATION_TIMEOUT_MS must be a whole number of milliseconds up to 600000, not '${timeout}'`);
  }
  const watchdog = env.RA_WATCHDOG_MS;
  if (watchdog !== undefined && !(/^[1-9][0-9]{2,5}$/.test(watchdog) && Number(watchdog) <= 600_000)) {
    throw new UsageError(`RA_WATCHDOG_MS must be a whole number of milliseconds from 100 to 600000, not '${watchdog}'`);
  }
  const port = env.RA_PORT;
  if (port !== undefined && port !== 'off' && !(/^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535)) {
    throw new UsageError(`RA_PORT must be a port number or 'off', not '${port}'`);
  }
  const unmanaged = env.RA_UNMANAGED || undefined;
  if (unmanaged !== undefined && unmanaged !== '1') throw new UsageError(`RA_UNMANAGED must be 1 (development and tests), not '${unmanaged}'`);
  const logger = new StreamLogger(parseLogLevel(env.RA_LOG, 'warn'));
  const managed = managedBy(system);
  const given = OVERRIDES.filter((name) => env[name]);
  if (managed) {
    const ignored = [...given, ...(unmanaged ? ['RA_UNMANAGED'] : [])];
    if (ignored.length) logger.warn(`${ignored.join(', ')} ignored: this machine is managed (${managed}), so its policy binds`);
  } else if (!unmanaged && (env.RA_POLICY || env.RA_OPS_KEY)) {
    throw new UsageError('RA_POLICY and RA_OPS_KEY are for development and tests: set RA_UNMANAGED=1 too (a managed machine ignores them)');
  }
  const override = (name: (typeof OVERRIDES)[number]) => (managed ? undefined : env[name] || undefined);
  return {
    home: env.RA_HOME || join(config, 'ra'),
    display: env.DISPLAY || undefined,
    listenPort: port === undefined ? undefined : port === 'off' ? 'off' : Number(port),
    policyPath: override('RA_POLICY') ?? system.policy,
    opsKeyPath: override('RA_OPS_KEY') ?? system.opsKey,
    managed,
    pluginPath: (override('RA_PLUGIN_PATH') ?? '').split(delimiter).filter(Boolean),
    builtinPlugins: fileURLToPath(new URL('../../../plugins', import.meta.url)),
    activationTimeoutMs: timeout ? Number(timeout) : undefined,
    watchdogMs: watchdog ? Number(watchdog) : 5000,
    logger,
  };
}

/** Why this machine is managed: the system file found. One RA cannot read or stat counts too, so it fails closed. */
function managedBy(system: SystemPaths): string | undefined {
  for (const [path, what] of [
    [system.opsKey, 'an ops key is pinned at'],
    [system.policy, 'a policy is at'],
  ]) {
    try {
      lstatSync(path);
      return `${what} ${path}`;
    } catch (e) {
      if (!isMissing(e) && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') return `${what} ${path}, which RA cannot check: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** The policy RA enforces: the system's on a managed machine. */
export function policyLocation(e: Environment): PolicyLocation {
  return { path: e.policyPath, keyPath: e.opsKeyPath, managed: e.managed !== undefined };
}

export function pluginSources(e: Environment): PluginSource[] {
  return [{ dir: e.builtinPlugins, origin: 'builtin' }, ...e.pluginPath.map((dir) => ({ dir, origin: 'external' as const }))];
}

export function kernelOptions(e: Environment): KernelOptions {
  return {
    sources: pluginSources(e),
    policy: policyLocation(e),
    home: e.home,
    logger: e.logger,
    activationTimeoutMs: e.activationTimeoutMs,
    environment: { display: e.display, listenPort: e.listenPort },
  };
}
