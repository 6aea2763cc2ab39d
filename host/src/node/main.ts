#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KERNEL_VERSION } from '@ra/kernel';
import { CliError, describeFailure, EXIT, UsageError } from './cli-error.js';
import { readEnvironment } from './environment.js';
import { parseDisplay, parsePort } from './options.js';
import { commandHelp, commandsHelp, findCommand, installedCommands, pluginCommands, runPluginCommand } from './plugin-commands.js';
import { hashPlugins, listPlugins, setEnabled } from './plugins.js';
import { keygen, show, sign, verify } from './policy-commands.js';
import { settingsCommand } from './settings-commands.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const HELP = `ra ${VERSION}: RA Remote Assistance

Usage:
  ra [start] [START OPTIONS]         run RA and its web UI until Ctrl+C; settings changes apply live
  ra show [INVITATION]               RA's page in the browser, starting RA if needed; with an invitation (a file
                                     or an ra-invite: link), opened on Help someone, asking for the password
  ra integrate desktop [--uninstall] [--system]
                                     make .msrcincident files and ra-invite: links open RA (ra show): the
                                     file type, a launcher and the defaults, for you (or everyone, as root)
  ra plugins list [--json]           every plugin: id, version, state, reason, ms
  ra plugins enable ID               enable a plugin (refused if policy blocks it)
  ra plugins disable ID              disable a plugin (refused if policy locks it)
  ra plugins hash [ID...] [--json]   sha512 integrity of plugins, for the policy allowlist
  ra policy keygen --out DIR         create an Ed25519 ops key pair in DIR
  ra policy sign FILE --key KEY      check FILE and write its signature FILE.sig
  ra policy verify [FILE] [--key PUB]  verify a policy against the pinned ops key
  ra policy show [--json]            the policy RA enforces now, every section with its defaults
  ra settings [list] [--json]        every plugin's settings: value, whether yours, the default or the policy's
  ra settings get ID                 one setting's value in force (ID is PLUGIN.KEY, e.g. ra.control.allowControl)
  ra settings set ID VALUE           change it, checked against the plugin's schema and the policy; applies live
  ra settings reset ID               back to the default
  ra COMMAND --help                  the usage and options of a plugin's command
  ra --help | --version

Start options (ra start only):
  --port N            port this machine listens on for helpers
  --ui-port N         port of the local web UI on 127.0.0.1 (default: any free port)
  --display :D        the X display to share (default: $DISPLAY)
  --virtual-desktop   with no reachable display, start a private one (Xvfb with an xterm)

Options:
  --json    machine-readable output on stdout
  --debug   show stack traces on errors

Environment:
  RA_HOME                   user settings and state (default ~/.config/ra)
  RA_PLUGIN_PATH            extra plugin folders, separated by ':'; ignored on a managed machine
  RA_UNMANAGED=1            development and tests: read RA_POLICY and RA_OPS_KEY; ignored on a managed machine
  RA_POLICY                 machine policy, with RA_UNMANAGED=1 (default /etc/ra/policy.json; signature in <file>.sig)
  RA_OPS_KEY                pinned ops public key, with RA_UNMANAGED=1 (default /etc/ra/ops-key.pub)
  RA_ACTIVATION_TIMEOUT_MS  how long a plugin may take to activate (default 5000)
  RA_WATCHDOG_MS            how long a plugin may block RA before it is reported and disabled (default 5000);
                            blocked 12 times as long, RA ends
  RA_PORT                   the port helpers connect to, or 'off' for an RA that only helps others
  RA_LOG                    error | warn | info | debug (default warn)
  A machine is managed when ops put ops-key.pub or policy.json in /etc/ra: that policy binds, and if it
  cannot be trusted RA does not start.

Exit codes: 0 ok, 1 error, 2 usage, 3 policy untrusted, 4 unknown plugin, 5 refused by policy
`;

const OPTIONS = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  out: { type: 'string' },
  key: { type: 'string' },
  port: { type: 'string' },
  'ui-port': { type: 'string' },
  display: { type: 'string' },
  'virtual-desktop': { type: 'boolean' },
  uninstall: { type: 'boolean' },
  system: { type: 'boolean' },
} as const;

/** The host's own verbs; every other is a command an active plugin contributes. */
const BUILTIN = new Set(['start', 'show', 'integrate', 'plugins', 'policy', 'settings']);

async function main(argv: string[]): Promise<void> {
  const verb = firstWord(argv);
  if (verb !== undefined && !BUILTIN.has(verb)) return plugin(verb, argv);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('. ')[0]);
  }
  const {
    values: o,
    positionals: [command = 'start', sub, ...rest],
  } = parsed;
  if (o.help) return void process.stdout.write(`${HELP}\nCommands of the active plugins:\n${await activeCommandsHelp()}`);
  if (o.version) return void process.stdout.write(`ra ${VERSION} (kernel ${KERNEL_VERSION})\n`);
  const env = readEnvironment();
  const json = o.json ?? false;
  const one = (what: string) => {
    if (!rest[0] || rest.length > 1) throw new UsageError(`ra ${command} ${sub} takes one ${what}`);
    return rest[0];
  };
  const startOptions = () => ({
    port: parsePort(o.port, '--port'),
    uiPort: parsePort(o['ui-port'], '--ui-port', true) ?? 0,
    display: parseDisplay(o.display),
    virtualDesktop: o['virtual-desktop'] ?? false,
  });
  if (command === 'settings') return settingsCommand(env, sub ?? 'list', rest, json);
  if (command === 'show') {
    if (rest.length) throw new UsageError('ra show takes at most one invitation');
    return void process.stdout.write(`${await (await import('./show.js')).showPage(env, sub, process.cwd())}\n`);
  }
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'start':
      return (await import('./start.js')).start(env, VERSION, startOptions());
    case 'plugins list':
      return listPlugins(env, json);
    case 'plugins enable':
      return setEnabled(env, one('plugin id'), true);
    case 'plugins disable':
      return setEnabled(env, one('plugin id'), false);
    case 'plugins hash':
      return hashPlugins(env, rest, json);
    case 'policy keygen':
      if (!o.out) throw new UsageError('ra policy keygen needs --out DIR');
      return keygen(o.out);
    case 'policy sign':
      if (!o.key) throw new UsageError('ra policy sign needs --key PRIVATE_KEY');
      return sign(env, one('policy file'), o.key);
    case 'policy verify':
      if (rest.length > 1) throw new UsageError('ra policy verify takes at most one policy file');
      return verify(env, rest[0], o.key);
    case 'policy show':
      return show(env, json);
    case 'integrate desktop': {
      if (rest.length) throw new UsageError('ra integrate desktop takes only --uninstall and --system');
      const done = await (await import('./integrate.js')).integrateDesktop({ uninstall: o.uninstall ?? false, system: o.system ?? false });
      return void process.stdout.write(`${done.join('\n')}\n`);
    }
    default:
      throw new UsageError(`unknown command '${[command, sub].filter(Boolean).join(' ')}'`);
  }
}

/** The help lists the active plugins' commands; the host's own help shows even when RA could not start. */
async function activeCommandsHelp(): Promise<string> {
  try {
    return commandsHelp(await pluginCommands(readEnvironment()));
  } catch (e) {
    return `  (none now: ${(e as Error).message})\n`;
  }
}

/** The first word that is not an option nor the value of a host option (`ra --port 3390 start`). */
function firstWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    if (name === undefined && !argv[i].startsWith('-')) return argv[i];
    if (name !== undefined && !name.includes('=') && OPTIONS[name as keyof typeof OPTIONS]?.type === 'string') i++;
  }
  return undefined;
}

/** `ra VERB …` for a verb an active plugin contributes. */
async function plugin(verb: string, argv: string[]): Promise<void> {
  const env = readEnvironment();
  const installed = await installedCommands(env);
  const commands = installed.filter((c) => c.state === 'active');
  const command = findCommand(commands, verb);
  const idle = findCommand(installed, verb);
  if (!command && idle) {
    const code = idle.state === 'disabled-by-policy' ? EXIT.refused : EXIT.error;
    throw new CliError(`ra ${verb} comes from ${idle.plugin}, which is ${idle.state}${idle.reason ? `: ${idle.reason}` : ''}`, code);
  }
  // A command's own option before the command would make its value look like the verb (a password, say): never echo it.
  const stray = argv.slice(0, argv.indexOf(verb)).find((a) => a.startsWith('--') && !(a.slice(2).split('=')[0] in OPTIONS));
  if (!command && !idle && stray) throw new UsageError(`put the command first, then its options: ra COMMAND ${stray.split('=')[0]} …`);
  if (!command) throw new UsageError(`unknown command '${verb}'; the active plugins contribute: ${commands.map((c) => c.declaration.id).join(', ') || 'none'}`);
  if (argv.includes('--help') || argv.includes('-h')) return void process.stdout.write(commandHelp(command));
  return runPluginCommand(env, command, argv);
}

const argv = process.argv.slice(2);
main(argv).catch((e: unknown) => {
  const { code, line } = describeFailure(e, argv.includes('--debug'));
  process.stderr.write(`ra: ${line}\n`);
  process.exitCode = code;
});
