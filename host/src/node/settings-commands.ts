import { PolicyError, SettingsError } from '@ra/kernel';
import { Kernel, parseSettingText, type SettingView } from '@ra/kernel/node';
import { HttpApiClient } from './api-client.js';
import { CliError, EXIT, UsageError } from './cli-error.js';
import { kernelOptions, type Environment } from './environment.js';
import { table } from './format.js';
import { readStatus } from './status.js';

/**
 * `ra settings list|get|set`. With RA running, through its API, so the change applies at once and the
 * same checks answer; otherwise a dry run of the kernel reads the manifests, policy and settings.json.
 */
export async function settingsCommand(env: Environment, verb: string, args: readonly string[], json: boolean): Promise<void> {
  const want = { list: 0, get: 1, set: 2, reset: 1 }[verb];
  if (want === undefined) throw new UsageError(`ra settings has no '${verb}'; use list, get ID, set ID VALUE or reset ID`);
  if (args.length !== want) throw new UsageError(`ra settings ${verb} takes ${['no arguments', 'a setting id', 'a setting id and a value'][want]}`);
  const out = (text: string) => void process.stdout.write(`${text}\n`);
  await withSettings(env, async (s) => {
    if (verb === 'list') {
      const views = await s.list();
      return out(json ? JSON.stringify(views, null, 2) : settingsTable(views));
    }
    if (verb === 'get') {
      const view = (await s.list()).find((v) => v.id === args[0]);
      if (!view) throw new CliError(`no setting '${args[0]}' (see ra settings list)`, EXIT.unknown);
      return out(json ? JSON.stringify(view, null, 2) : shown(view.value));
    }
    const view = await s.change(args[0], verb === 'set' ? args[1] : undefined);
    out(json ? JSON.stringify(view, null, 2) : `${view.id} is ${shown(view.value)}${verb === 'reset' ? ' (the default)' : ''}${s.applies}`);
  });
}

interface SettingsAccess {
  list(): Promise<SettingView[]>;
  /** `text` as typed, read as the setting's type; undefined: back to the default. */
  change(id: string, text: string | undefined): Promise<SettingView>;
  readonly applies: string;
}

async function withSettings(env: Environment, use: (s: SettingsAccess) => Promise<void>): Promise<void> {
  // Reading a value as its type needs the manifests, which a dry run gives either way.
  const kernel = await Kernel.start({ ...kernelOptions(env), dryRun: true });
  try {
    const parse = (id: string, text: string | undefined) => {
      if (text === undefined) return undefined;
      const { manifest, key } = owner(kernel, id);
      try {
        return parseSettingText(manifest, key, text);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
    };
    const running = await readStatus(env.home);
    if (running?.api) {
      const api = new HttpApiClient(running.api.url, running.api.secret);
      return await use({
        list: () => api.call<SettingView[]>('GET', '/api/settings'),
        change: (id, text) => api.call<SettingView>('POST', `/api/settings/${encodeURIComponent(id)}`, { value: parse(id, text) ?? null }),
        applies: `; the running RA (pid ${running.pid}) applied it`,
      });
    }
    await use({
      list: async () => kernel.settingViews(),
      change: async (id, text) => {
        try {
          return await kernel.changeSetting(id, parse(id, text));
        } catch (e) {
          if (e instanceof PolicyError) throw new CliError(e.message, EXIT.refused);
          if (e instanceof SettingsError) throw new CliError(e.message);
          throw e;
        }
      },
      applies: `; RA is not running, so it applies when RA starts`,
    });
  } finally {
    await kernel.stop();
  }
}

function owner(kernel: Kernel, id: string) {
  try {
    return kernel.settingOwner(id);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.unknown);
  }
}

function shown(value: unknown): string {
  return value === undefined ? '(not set)' : typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? 'on' : 'off') : JSON.stringify(value);
}

function settingsTable(views: readonly SettingView[]): string {
  const rows = views.map((v) => [
    v.id,
    shown(v.value),
    v.locked ? `locked: ${v.locked}` : v.max ? `at most ${v.max} (policy)` : v.chosen === undefined ? 'default' : 'yours',
    v.title,
  ]);
  return table([['SETTING', 'VALUE', 'SOURCE', 'WHAT'], ...rows]);
}
