import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { semver } from './vendor.js';
import type { PluginManifest } from '../common/manifest.js';
import { KERNEL_VERSION } from '../common/version.js';
import { isMissing } from './files.js';
import { parseManifest, pluginPackageText } from './manifest.js';

export interface PluginSource {
  readonly dir: string;
  readonly origin: 'builtin' | 'external';
}

/** A plugin folder as found on disk: a valid manifest, or the reason it has none. */
export interface PluginCandidate {
  readonly id: string;
  readonly dir: string;
  readonly origin: 'builtin' | 'external';
  readonly manifest?: PluginManifest;
  readonly invalid?: string;
}

/**
 * Finds plugins in each source: a source is either one plugin folder or a folder of them.
 * Problems become `invalid` candidates; nothing here runs plugin code.
 */
export async function discoverPlugins(sources: readonly PluginSource[], warn: (m: string) => void): Promise<PluginCandidate[]> {
  const found: PluginCandidate[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    for (const { dir, text } of await pluginFolders(resolve(source.dir), warn)) {
      if ([...seen.values()].includes(dir)) continue;
      const candidate = await inspect(dir, text, source.origin);
      const first = seen.get(candidate.id);
      if (first) {
        found.push({ ...candidate, manifest: undefined, invalid: `duplicate plugin id: already found at ${first}` });
        continue;
      }
      seen.set(candidate.id, dir);
      found.push(candidate);
    }
  }
  return found;
}

interface PluginFolder {
  readonly dir: string;
  /** Its package.json, read once here for the manifest too. */
  readonly text: string;
}

async function pluginFolders(dir: string, warn: (m: string) => void): Promise<PluginFolder[]> {
  const own = await pluginPackageText(dir);
  if (own !== undefined) return [{ dir, text: own }];
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    warn(isMissing(e) ? `plugin folder ${dir} does not exist` : `cannot read plugin folder ${dir}: ${(e as Error).message}`);
    return [];
  }
  const folders: PluginFolder[] = [];
  for (const name of names) {
    const sub = join(dir, name);
    const text = name.startsWith('.') || name === 'node_modules' ? undefined : await pluginPackageText(sub);
    if (text !== undefined) folders.push({ dir: sub, text });
  }
  return folders;
}

async function inspect(dir: string, text: string, origin: PluginSource['origin']): Promise<PluginCandidate> {
  let manifest: PluginManifest;
  try {
    manifest = parseManifest(text, join(dir, 'package.json'));
  } catch (e) {
    return { id: `(${dir})`, dir, origin, invalid: (e as Error).message };
  }
  const base = { id: manifest.id, dir, origin };
  if (!semver.satisfies(KERNEL_VERSION, manifest.kernel)) {
    return { ...base, invalid: `needs kernel ${manifest.kernel}, but this kernel is ${KERNEL_VERSION}` };
  }
  for (const [side, entry] of Object.entries(manifest.entries)) {
    if (!(await exists(join(dir, entry)))) {
      return { ...base, invalid: `${side} entry ${entry} does not exist (was the plugin built?)` };
    }
  }
  return { ...base, manifest };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
