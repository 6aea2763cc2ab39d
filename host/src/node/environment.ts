import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelOptions, PluginSource } from '@ra/kernel/node';
import { parseLogLevel, StreamLogger } from '@ra/kernel/node';
import { UsageError } from './cli-error.js';

/** Where RA keeps and finds things, from the environment; each has a default a real install uses. */
export interface Environment {
  readonly home: string;
  readonly policyPath: string;
  readonly opsKeyPath: string;
  readonly pluginPath: readonly string[];
  readonly builtinPlugins: string;
  readonly activationTimeoutMs?: number;
  readonly logger: StreamLogger;
  /** What plugins learn through HostEnvironment: `DISPLAY`, and `RA_PORT` (a number, or `off` for a helper-only RA). */
  readonly display?: string;
  readonly listenPort?: number | 'off';
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const timeout = env.RA_ACTIVATION_TIMEOUT_MS;
  if (timeout !== undefined && !(/^[1-9][0-9]{0,5}$/.test(timeout) && Number(timeout) <= 600_000)) {
    throw new UsageError(`RA_ACTIVATION_TIMEOUT_MS must be a whole number of milliseconds up to 600000, not '${timeout}'`);
  }
  const port = env.RA_PORT;
  if (port !== undefined && port !== 'off' && !(/^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535)) {
    throw new UsageError(`RA_PORT must be a port number or 'off', not '${port}'`);
  }
  return {
    home: env.RA_HOME || join(config, 'ra'),
    display: env.DISPLAY || undefined,
    listenPort: port === undefined ? undefined : port === 'off' ? 'off' : Number(port),
    policyPath: env.RA_POLICY || '/etc/ra/policy.json',
    opsKeyPath: env.RA_OPS_KEY || '/etc/ra/ops-key.pub',
    pluginPath: (env.RA_PLUGIN_PATH ?? '').split(delimiter).filter(Boolean),
    builtinPlugins: fileURLToPath(new URL('../../../plugins', import.meta.url)),
    activationTimeoutMs: timeout ? Number(timeout) : undefined,
    logger: new StreamLogger(parseLogLevel(env.RA_LOG, 'warn')),
  };
}

export function pluginSources(e: Environment): PluginSource[] {
  return [{ dir: e.builtinPlugins, origin: 'builtin' }, ...e.pluginPath.map((dir) => ({ dir, origin: 'external' as const }))];
}

export function kernelOptions(e: Environment): KernelOptions {
  return {
    sources: pluginSources(e),
    policy: { path: e.policyPath, keyPath: e.opsKeyPath },
    home: e.home,
    logger: e.logger,
    activationTimeoutMs: e.activationTimeoutMs,
    environment: { display: e.display, listenPort: e.listenPort },
  };
}
