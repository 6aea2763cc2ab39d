import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One package of a plugin's tree: `name@version`, its real folder, and the digest of its files. */
export interface PackageDigest {
  readonly key: string;
  readonly dir: string;
  readonly integrity: string;
}

/** What a plugin runs: its own package first, then every package its dependencies resolve to, transitively. */
export interface PluginTree {
  /** `sha512-<base64>` over every package's key and digest: what ops pin. */
  readonly integrity: string;
  readonly packages: readonly PackageDigest[];
  /** Dependencies the plugin's packages require but that resolve nowhere, as `needer -> name`. */
  readonly missing: readonly string[];
}

interface PackageInfo extends PackageDigest {
  readonly needs: readonly Need[];
}

interface Need {
  readonly name: string;
  readonly required: boolean;
}

/** The kernel is RA itself, the code that checks the pins: plugins import it, but it is not theirs to pin. */
const KERNEL_DIR = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Digests of package folders, so a dependency several plugins share is read once per boot.
 * Reads are synchronous: at boot nothing else waits, and a few hundred small files read
 * without a thread-pool hop each take a fraction of the time.
 */
export class IntegrityCache {
  private readonly packages = new Map<string, PackageInfo>();

  package(dir: string): PackageInfo {
    let info = this.packages.get(dir);
    if (!info) this.packages.set(dir, (info = readPackage(dir)));
    return info;
  }
}

/**
 * The plugin's own files and every package it depends on, resolved as Node resolves its imports
 * (its `dependencies`, `optionalDependencies` and `peerDependencies`, from its real folder up
 * through each `node_modules`), shared and hoisted ones included. A plugin's own folder counts
 * what it ships: package.json, the `files` list (and `main`), its own node_modules; an installed
 * package in a node_modules folder counts every file, since npm installed exactly what it ships.
 * Paths and sizes are hashed too, so moving bytes between files changes the result.
 */
export function pluginTree(dir: string, cache = new IntegrityCache()): PluginTree {
  const root = cache.package(realpathSync(dir));
  const seen = new Map<string, PackageInfo>([[root.dir, root]]);
  const missing: string[] = [];
  for (const pkg of seen.values()) {
    for (const need of pkg.needs) {
      const found = resolvePackage(pkg.dir, need.name);
      if (found === KERNEL_DIR) continue;
      if (found === undefined) {
        if (need.required) missing.push(`${pkg.key} -> ${need.name}`);
      } else if (!seen.has(found)) seen.set(found, cache.package(found));
    }
  }
  const byKey = new Map<string, PackageDigest>();
  for (const { key, dir: folder, integrity } of seen.values()) {
    const twin = byKey.get(key);
    if (twin && twin.integrity !== integrity) throw new Error(`two copies of ${key} differ: ${twin.dir} and ${folder}`);
    byKey.set(key, { key, dir: folder, integrity });
  }
  const [own, ...dependencies] = byKey.values();
  const line = (p: PackageDigest) => `${p.key}\0${p.integrity}\n`;
  const hash = createHash('sha512');
  for (const text of [line(own), ...dependencies.map(line).sort(), ...missing.sort().map((m) => `missing\0${m}\n`)]) hash.update(text);
  return { integrity: `sha512-${hash.digest('base64')}`, packages: [own, ...dependencies], missing };
}

/** The integrity ops pin for a plugin: its whole tree (see pluginTree). */
export async function pluginIntegrity(dir: string, cache?: IntegrityCache): Promise<string> {
  return pluginTree(dir, cache).integrity;
}

function readPackage(dir: string): PackageInfo {
  let pkg: { name?: unknown; version?: unknown; files?: unknown; main?: unknown } & Record<string, unknown> = {};
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    // no readable package.json: nothing says what ships or what it needs, so every file counts
  }
  const installed = dir.split(sep).includes('node_modules');
  const ships = installed ? () => true : shipsFilter(filesList(pkg.files, pkg.main));
  const hash = createHash('sha512');
  for (const file of listFiles(dir, dir, ships, !installed)) {
    const rel = relative(dir, file).split(sep).join('/');
    const info = lstatSync(file);
    if (info.isSymbolicLink()) {
      hash.update(`link\0${rel}\0${readlinkSync(file)}\0`);
    } else {
      hash.update(`file\0${rel}\0${info.size}\0`);
      hash.update(readFileSync(file));
    }
  }
  const name = typeof pkg.name === 'string' ? pkg.name : `(${dir})`;
  const key = typeof pkg.version === 'string' ? `${name}@${pkg.version}` : name;
  const needs = (['dependencies', 'optionalDependencies', 'peerDependencies'] as const).flatMap((field) => {
    const deps = pkg[field];
    return deps && typeof deps === 'object' ? Object.keys(deps).map((n) => ({ name: n, required: field === 'dependencies' })) : [];
  });
  return { key, dir, integrity: `sha512-${hash.digest('base64')}`, needs };
}

/** Where `import name` from a file in `dir` lands: the nearest node_modules/<name> up the tree, as a real path. */
function resolvePackage(dir: string, name: string): string | undefined {
  if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    try {
      if (statSync(candidate).isDirectory()) return realpathSync(candidate);
    } catch {
      // not here: look further up
    }
    if (dirname(d) === d) return undefined;
  }
}

/** The `files` list (and `main`) as normalized relative paths; undefined when everything counts. */
function filesList(files: unknown, main: unknown): string[] | undefined {
  if (!Array.isArray(files)) return undefined;
  const listed = [...files, ...(typeof main === 'string' ? [main] : [])];
  const paths = listed.map((f) => (typeof f === 'string' ? posix.normalize(f).replace(/\/+$/, '') : ''));
  const plain = (p: string) => !['', '.', '..'].includes(p) && !p.startsWith('/') && !p.startsWith('../') && !/[*?[\]{}!\\]/.test(p);
  return paths.every(plain) ? paths : undefined;
}

/** Whether a path (relative, `/`-separated) counts, or for a folder, may hold something that does. */
type Ships = (rel: string, isFolder: boolean) => boolean;

function shipsFilter(paths: string[] | undefined): Ships {
  if (!paths) return () => true;
  const always = ['package.json', 'node_modules'];
  const within = (rel: string, p: string) => rel === p || rel.startsWith(`${p}/`);
  return (rel, isFolder) => [...always, ...paths].some((p) => within(rel, p)) || (isFolder && paths.some((p) => p.startsWith(`${rel}/`)));
}

/** Files in sorted order. A plugin's own folder skips dot-files and build caches; an installed package keeps all. */
function listFiles(dir: string, root: string, ships: Ships, skipDotFiles: boolean): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (skipDotFiles && (entry.name.startsWith('.') || entry.name.endsWith('.tsbuildinfo'))) continue;
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) {
      if (ships(rel, true)) out.push(...listFiles(path, root, ships, skipDotFiles));
    } else if ((entry.isFile() || entry.isSymbolicLink()) && ships(rel, false)) out.push(path);
  }
  return out;
}
