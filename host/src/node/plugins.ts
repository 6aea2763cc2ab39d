import { setTimeout as sleep } from 'node:timers/promises';
import type { PluginRecord } from '@ra/kernel';
import {
  discoverPlugins,
  Kernel,
  loadPolicy,
  lockedByPolicy,
  IntegrityCache,
  pluginTree,
  policyBlocks,
  policySections,
  SettingsStore,
  type PluginCandidate,
  type PolicyLocation,
  type PolicySections,
} from '@ra/kernel/node';
import { CliError, EXIT } from './cli-error.js';
import { kernelOptions, pluginSources, policyLocation, type Environment } from './environment.js';
import { pluginTable, policyLine, table } from './format.js';
import { readStatus, type HostStatus } from './status.js';

/** `ra plugins list`: the running host's live states, or a boot of this process when none runs. */
export async function listPlugins(env: Environment, json: boolean): Promise<void> {
  const running = await readStatus(env.home);
  let report: { source: string; policy: HostStatus['policy']; plugins: PluginRecord[] };
  if (running) {
    report = { source: `running host (pid ${running.pid})`, policy: running.policy, plugins: running.plugins };
  } else {
    const kernel = await Kernel.start(kernelOptions(env));
    const { policy: _, ...policy } = kernel.policy();
    report = { source: 'this process (no host running)', policy, plugins: kernel.records() };
    await kernel.stop();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${policyLine(report.policy)}\nstates from ${report.source}\n${pluginTable(report.plugins)}\n`);
  }
}

/** `ra plugins enable|disable ID`: writes the user's choice, refusing what policy forbids. */
export async function setEnabled(env: Environment, id: string, enabled: boolean): Promise<void> {
  const candidates = await discover(env);
  const candidate = candidates.find((c) => c.id === id);
  if (!candidate) throw new CliError(`no plugin with id '${id}' (see ra plugins list)`, EXIT.unknown);
  const policy = await loadPolicy(policyLocation(env), sectionsOf(candidates));
  const verb = enabled ? 'enable' : 'disable';
  if (candidate.manifest) {
    const blocked = enabled ? await policyBlocks(policy, candidate.manifest, candidate.dir) : undefined;
    if (blocked) throw new CliError(`cannot enable ${id}: blocked by policy: ${blocked}`, EXIT.refused);
    if (lockedByPolicy(policy, id)) throw new CliError(`cannot ${verb} ${id}: the policy locks the plugin set`, EXIT.refused);
  }
  const store = new SettingsStore(env.home);
  const written = new Date().toISOString();
  await store.update((s) => {
    s.plugins[id] = { ...s.plugins[id], enabled };
  });
  const out = process.stdout;
  out.write(`${id} ${verb}d in ${store.path}\n`);
  const running = await readStatus(env.home);
  if (!running) return void out.write('RA is not running; the change applies when it starts\n');
  const record = await waitForHost(env.home, id, enabled, written);
  if (record) out.write(`the running host (pid ${running.pid}) reports ${id} ${record.state}${record.reason ? `: ${record.reason}` : ''}\n`);
  else throw new CliError(`the running host (pid ${running.pid}) has not applied the change yet; check ra plugins list`);
}

/**
 * Polls the host's status, for up to five seconds, until a report made after our write shows the
 * change: a disabled plugin no longer active, an enabled one no longer disabled by the user.
 */
async function waitForHost(home: string, id: string, enabled: boolean, written: string): Promise<PluginRecord | undefined> {
  for (let i = 0; i < 50; i++) {
    const status = await readStatus(home);
    const record = status && status.updatedAt >= written ? status.plugins.find((p) => p.id === id) : undefined;
    if (record && (enabled ? record.state !== 'disabled-by-user' : record.state !== 'active')) return record;
    await sleep(100);
  }
  return undefined;
}

/** `ra plugins hash [ID...]`: the integrity ops pin in the policy allowlist, over each plugin's whole tree, and each package's own. */
export async function hashPlugins(env: Environment, ids: string[], json: boolean): Promise<void> {
  const candidates = (await discoverPlugins(pluginSources(env), (m) => env.logger.warn(m))).filter((c) => c.manifest);
  const unknown = ids.find((id) => !candidates.some((c) => c.id === id));
  if (unknown) throw new CliError(`no valid plugin with id '${unknown}' (see ra plugins list)`, EXIT.unknown);
  const chosen = ids.length ? candidates.filter((c) => ids.includes(c.id)) : candidates;
  const allowlist: Record<string, { versions: string; integrity: string; packages: Record<string, string> }> = {};
  const cache = new IntegrityCache();
  for (const c of chosen) {
    let tree;
    try {
      tree = pluginTree(c.dir, cache);
    } catch (e) {
      throw new CliError(`cannot hash ${c.id}: ${(e as Error).message}`);
    }
    const packages = Object.fromEntries(tree.packages.map((p) => [p.key, p.integrity]));
    allowlist[c.id] = { versions: c.manifest!.version, integrity: tree.integrity, packages };
  }
  if (json) return void process.stdout.write(`${JSON.stringify(allowlist, null, 2)}\n`);
  const rows = Object.entries(allowlist).map(([id, a]) => [id, a.versions, `${Object.keys(a.packages).length}`, a.integrity]);
  process.stdout.write(`${table([['ID', 'VERSION', 'PACKAGES', 'INTEGRITY'], ...rows])}\n`);
}

/** The installed plugins, as the kernel would find them. */
export function discover(env: Environment): Promise<PluginCandidate[]> {
  return discoverPlugins(pluginSources(env), (m) => env.logger.warn(m));
}

/** The policy sections the installed plugins declare: what a policy file is checked against. */
export function sectionsOf(candidates: readonly PluginCandidate[]): ReturnType<typeof policySections> {
  return policySections(candidates.flatMap((c) => (c.manifest ? [c.manifest] : [])));
}

/** The machine policy as RA would enforce it, checked against the installed plugins' sections. */
export async function enforcedPolicy(env: Environment, location: PolicyLocation = policyLocation(env), sections?: PolicySections) {
  return loadPolicy(location, sections ?? sectionsOf(await discover(env)));
}
