import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { contributionId, type CliCommandDeclaration, type CliCommands, type CliContext, type HelperRuntime, type PluginRecord } from '@ra/kernel';
import { Kernel, type PluginCandidate } from '@ra/kernel/node';
import { HttpApiClient, LocalApiClient } from './api-client.js';
import { PASSWORD_OPTIONS, readPassword, refusePasswordInArgv } from './cli-password.js';
import { CliError, UsageError } from './cli-error.js';
import { kernelOptions, type Environment } from './environment.js';
import { localTime, table } from './format.js';
import { discover } from './plugins.js';
import { readStatus } from './status.js';
import { apiRouter } from './web/server.js';

/** A command an active plugin contributes, with what the host needs to run it. */
export interface PluginCommand {
  readonly declaration: CliCommandDeclaration;
  readonly plugin: string;
  readonly dir: string;
  readonly entry: string;
}

/** A command an installed plugin contributes, and the state of that plugin: in the running RA, or if RA started now. */
export interface InstalledCommand extends PluginCommand {
  readonly state: PluginRecord['state'];
  readonly reason: string;
}

export async function installedCommands(env: Environment): Promise<InstalledCommand[]> {
  // A running RA knows the states; else a dry run decides them, and its discovery serves for the manifests too.
  const running = await readStatus(env.home);
  const kernel = running ? undefined : await Kernel.start({ ...kernelOptions(env), dryRun: true });
  await kernel?.stop();
  const candidates = kernel ? kernel.candidates() : await discover(env);
  const records = running ? running.plugins : kernel!.records();
  return candidates.flatMap((c) => {
    const record = records.find((r) => r.path === c.dir);
    return record ? commandsOf(c).map((command) => ({ ...command, state: record.state, reason: record.reason })) : [];
  });
}

/** The commands of the plugins that are active. */
export async function pluginCommands(env: Environment): Promise<PluginCommand[]> {
  return (await installedCommands(env)).filter((c) => c.state === 'active');
}

function commandsOf(c: PluginCandidate): PluginCommand[] {
  const entries = c.manifest?.contributes.CliCommand;
  const entry = c.manifest?.entries.cli;
  if (!Array.isArray(entries) || !entry) return [];
  return entries.map((e) => ({ declaration: e as unknown as CliCommandDeclaration, plugin: c.id, dir: c.dir, entry }));
}

/** `ra COMMAND …` for a plugin's command: parses its declared options, loads its `cli` entry and runs the handler. */
export async function runPluginCommand(env: Environment, command: PluginCommand, argv: readonly string[]): Promise<void> {
  const d = command.declaration;
  const { password, ...rest } = d.options ?? {};
  const declared = { ...Object.fromEntries(Object.entries(rest).map(([name, o]) => [name, { type: o.type }])), ...(password ? PASSWORD_OPTIONS : {}) };
  if (password) refusePasswordInArgv(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...declared, json: { type: 'boolean' }, debug: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`ra ${d.id}: ${(e as Error).message.split('. ')[0]}`);
  }
  const module: { default?: CliCommands } = await import(pathToFileURL(join(command.dir, command.entry)).href);
  const handler = module.default?.[d.id];
  if (typeof handler !== 'function') throw new CliError(`plugin '${command.plugin}' declares the command '${d.id}' but its cli entry has no handler for it`);
  const { json, debug: _, ...options } = parsed.values;
  const context = new HostCliContext(env, parsed.positionals.slice(1), options, json === true);
  try {
    await handler(context);
  } finally {
    await context.close();
  }
}

/** Usage and options of one command, for `ra COMMAND --help`. */
export function commandHelp(command: PluginCommand): string {
  const d = command.declaration;
  const options = Object.entries(d.options ?? {}).flatMap(([name, o]) =>
    name === 'password'
      ? [
          ['  --password-file FILE', `${o.description ?? 'the password'}, from the first line of FILE`],
          ['  --password-stdin', 'the password from the first line of stdin (a terminal asks for it)'],
        ]
      : [[`  --${name}${o.type === 'string' ? ' VALUE' : ''}`, o.description ?? '']],
  );
  const lines = [`Usage: ra ${d.id}${d.usage ? ` ${d.usage}` : ''} [--json]`, '', `${d.summary} (from ${command.plugin})`];
  if (options.length) lines.push('', 'Options:', table(options));
  return `${lines.join('\n')}\n`;
}

/** The commands section of `ra --help`. */
export function commandsHelp(commands: readonly PluginCommand[]): string {
  if (!commands.length) return 'No plugin contributes a command now (see ra plugins list).\n';
  const rows = commands.map((c) => [`  ra ${c.declaration.id}${c.declaration.usage ? ` ${c.declaration.usage}` : ''}`, `${c.declaration.summary}`]);
  return rows.map(([usage, summary]) => `${usage}\n${' '.repeat(37)}${summary}`).join('\n') + '\n';
}

export function findCommand<T extends PluginCommand>(commands: readonly T[], id: string): T | undefined {
  return commands.find((c) => contributionId(c.declaration) === id);
}

class HostCliContext implements CliContext {
  readonly cwd = process.cwd();
  private helperKernel?: Kernel;

  constructor(
    private readonly env: Environment,
    readonly args: readonly string[],
    readonly options: Readonly<Record<string, string | boolean | undefined>>,
    readonly json: boolean,
  ) {}

  text(option: string): string | undefined {
    const value = this.options[option];
    return typeof value === 'string' ? value : undefined;
  }

  password(): Promise<string | undefined> {
    return readPassword(this.options);
  }

  existingPath(text: string): string {
    const path = resolve(this.cwd, text);
    return existsSync(path) ? path : text;
  }

  api() {
    return HttpApiClient.forHost(this.env);
  }

  async helper(): Promise<HelperRuntime> {
    const kernel = (this.helperKernel ??= await Kernel.start(kernelOptions({ ...this.env, listenPort: 'off' })));
    return { api: new LocalApiClient(apiRouter(kernel, this.env.logger)), get: (t) => kernel.get(t) };
  }

  print(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 2));
  }

  localTime(iso: string): string {
    return localTime(iso);
  }

  table(rows: readonly (readonly string[])[]): string {
    return table(rows.map((r) => [...r]));
  }

  async close(): Promise<void> {
    await this.helperKernel?.stop();
  }
}
