import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel, type KernelOptions } from '../node/kernel.js';
import { StreamLogger, type LogLevel } from '../node/logger.js';

export interface BootOptions {
  /** Each plugin's user settings by id, given the fresh home folder. */
  readonly settings?: (home: string) => Record<string, Record<string, unknown>>;
  /** `external` loads it as `RA_PLUGIN_PATH` would; built-in by default. */
  readonly origin?: 'builtin' | 'external';
  /** The lowest level kept in `log`; `warn` by default. */
  readonly logLevel?: LogLevel;
  /** Package names of the plugins it needs, e.g. `@ra/plugin-session`, which owns the points it contributes to; loaded as built-ins. */
  readonly alongside?: readonly string[];
  /** What the host tells plugins: the display, where to listen; by default nothing listens. */
  readonly environment?: KernelOptions['environment'];
}

export interface BootedPlugin {
  readonly kernel: Kernel;
  readonly home: string;
  /** Every line the kernel and the plugin logged at `logLevel` or above. */
  readonly log: string[];
  dispose(): Promise<void>;
}

/**
 * A real kernel loading the plugin in `dir` (and only those it needs), in a fresh home with no policy: how a plugin's
 * own spec proves its manifest, bindings and contributions as RA will load them.
 */
export async function bootPlugin(dir: string, options: BootOptions = {}): Promise<BootedPlugin> {
  const home = await mkdtemp(join(tmpdir(), 'ra-plugin-'));
  if (options.settings) {
    const plugins = Object.fromEntries(Object.entries(options.settings(home)).map(([id, settings]) => [id, { settings }]));
    await writeFile(join(home, 'settings.json'), JSON.stringify({ plugins }));
  }
  const log: string[] = [];
  const kernel = await Kernel.start({
    sources: [
      ...(options.alongside ?? []).map((name) => ({ dir: packageDir(name), origin: 'builtin' as const })),
      { dir, origin: options.origin ?? 'builtin' },
    ],
    policy: { path: join(home, 'no-policy.json'), keyPath: join(home, 'no-key.pub') },
    home,
    environment: options.environment ?? { listenPort: 'off' },
    logger: new StreamLogger(options.logLevel ?? 'warn', 'ra', (line) => log.push(line)),
  });
  return {
    kernel,
    home,
    log,
    async dispose() {
      await kernel.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A plugin package's folder, found the way Node finds the package (its manifest must export `./package.json`). */
function packageDir(name: string): string {
  return dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`)));
}
