#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KERNEL_VERSION } from '@ra/kernel';
import { HttpApiClient } from './api-client.js';
import { chat, invitations, invite, open, sessions } from './api-commands.js';
import { CliError, EXIT, UsageError } from './cli-error.js';
import { readEnvironment } from './environment.js';
import { parseDisplay, parsePort, parseTimeout } from './options.js';
import { hashPlugins, listPlugins, setEnabled } from './plugins.js';
import { keygen, show, sign, verify } from './policy-commands.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const HELP = `ra ${VERSION}: RA Remote Assistance

Usage:
  ra [start] [START OPTIONS]         run RA and its web UI until Ctrl+C; settings changes apply live
  ra invite [--via file] [--out FILE] [--password P] [--expires 1h] [--name N] [--message M] [--json]
                                     create an invitation and save or send it
  ra invitations [list] [--json]     your invitations: ticket, status, expiry, wrong tries
  ra invitations expire|delete ID    end an invitation early, or remove it
  ra sessions [list] [--json]        sessions on this machine, with their safety codes
  ra sessions accept|decline|disconnect ID
                                     answer a helper's request, or hang up
  ra chat SESSION TEXT [--json]      send a chat message in an open session
  ra open FILE [--password P] [--name HELPER] [--json]
                                     connect to a novice with their invitation file
  ra open FILE [--password P] --snapshot OUT.png [--timeout 60s]
                                     connect without RA running, save the novice's screen, hang up
  ra plugins list [--json]           every plugin: id, version, state, reason, ms
  ra plugins enable ID               enable a plugin (refused if policy blocks it)
  ra plugins disable ID              disable a plugin (refused if policy locks it)
  ra plugins hash [ID...] [--json]   sha512 integrity of plugins, for the policy allowlist
  ra policy keygen --out DIR         create an Ed25519 ops key pair in DIR
  ra policy sign FILE --key KEY      check FILE and write its signature FILE.sig
  ra policy verify [FILE] [--key PUB]  verify a policy against the pinned ops key
  ra policy show [--json]            the policy RA enforces now
  ra --help | --version

Start options (ra start only):
  --port N            port this machine listens on for helpers
  --ui-port N         port of the local web UI on 127.0.0.1 (default: any free port)
  --display :D        the X display to share (default: $DISPLAY)
  --virtual-desktop   with no reachable display, start a private one (Xvfb with an xterm)

The invitation, session, chat and open commands talk to the running RA (ra start); ra open --snapshot needs none.

Options:
  --json    machine-readable output on stdout
  --debug   show stack traces on errors

Environment:
  RA_HOME                   user settings and state (default ~/.config/ra)
  RA_POLICY                 machine policy (default /etc/ra/policy.json; signature in <file>.sig)
  RA_OPS_KEY                pinned ops public key (default /etc/ra/ops-key.pub)
  RA_PLUGIN_PATH            extra plugin folders, separated by ':'
  RA_ACTIVATION_TIMEOUT_MS  how long a plugin may take to activate (default 5000)
  RA_LOG                    error | warn | info | debug (default warn)

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
  via: { type: 'string' },
  password: { type: 'string' },
  expires: { type: 'string' },
  name: { type: 'string' },
  message: { type: 'string' },
  snapshot: { type: 'string' },
  timeout: { type: 'string' },
} as const;

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('. ')[0]);
  }
  const { values: o, positionals: [command = 'start', sub, ...rest] } = parsed;
  if (o.help) return void process.stdout.write(HELP);
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
  const api = () => HttpApiClient.forHost(env);
  const action = (verbs: string[]): [string, string | undefined] => {
    const verb = sub ?? 'list';
    if (!verbs.includes(verb)) throw new UsageError(`ra ${command} has no '${verb}'; use ${verbs.join(', ')}`);
    if (verb === 'list' && rest.length) throw new UsageError(`ra ${command} list takes no arguments`);
    return [verb, verb === 'list' ? undefined : one(`${command.replace(/s$/, '')} id`)];
  };
  switch (command) {
    case 'invite':
      if (sub) throw new UsageError(`ra invite takes options only, not '${sub}'`);
      return invite(await api(), { via: o.via ?? 'file', out: o.out, password: o.password, expires: o.expires, name: o.name, message: o.message }, json);
    case 'invitations': {
      const [verb, id] = action(['list', 'expire', 'delete']);
      return invitations(await api(), verb, id, json);
    }
    case 'sessions': {
      const [verb, id] = action(['list', 'accept', 'decline', 'disconnect']);
      return sessions(await api(), verb, id, json);
    }
    case 'chat':
      if (!sub || rest.length !== 1) throw new UsageError('ra chat takes a session id and one message, e.g. ra chat SESSION "Hello"');
      return chat(await api(), sub, rest[0], json);
    case 'open': {
      if (!sub || rest.length) throw new UsageError('ra open takes one invitation file');
      if (o.snapshot === undefined) return open(await api(), sub, o, json);
      // Loaded only here: the thin clients skip pngjs. A helper-only kernel listens for nobody.
      const { snapshot } = await import('./snapshot.js');
      const timeoutMs = parseTimeout(o.timeout ?? '60s', '--timeout');
      return snapshot({ ...env, listenPort: 'off' }, sub, { out: o.snapshot, password: o.password, name: o.name, timeoutMs }, json);
    }
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
    default:
      throw new UsageError(`unknown command '${[command, sub].filter(Boolean).join(' ')}'`);
  }
}

const argv = process.argv.slice(2);
main(argv).catch((e: unknown) => {
  const debug = argv.includes('--debug');
  const code = e instanceof CliError ? e.code : EXIT.error;
  process.stderr.write(`ra: ${debug && e instanceof Error ? e.stack : (e as Error)?.message ?? String(e)}\n`);
  process.exitCode = code;
});
