import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';

/**
 * `sha512-<base64>` over the files a plugin ships, sorted by path: its package.json and what the
 * `files` list there names (folders with everything in them), so specs, test helpers and benches
 * outside it can change without changing the integrity ops pinned. Its own node_modules count
 * too: Node resolves the plugin's imports there first. With no `files` list, or one that is not
 * plain paths inside the folder (a glob, a negation, `..`), every file of the folder counts, as
 * before `files` was read. Dot-files and build caches never count. Paths and sizes are hashed too,
 * so moving bytes between files changes the result.
 */
export async function pluginIntegrity(dir: string): Promise<string> {
  const ships = shipsFilter(await filesList(dir));
  const hash = createHash('sha512');
  for (const file of await listFiles(dir, dir, ships)) {
    const rel = relative(dir, file).split(sep).join('/');
    const info = await lstat(file);
    if (info.isSymbolicLink()) {
      hash.update(`link\0${rel}\0${await readlink(file)}\0`);
    } else {
      hash.update(`file\0${rel}\0${info.size}\0`);
      hash.update(await readFile(file));
    }
  }
  return `sha512-${hash.digest('base64')}`;
}

/** The `files` list as normalized relative paths; undefined when everything counts. */
async function filesList(dir: string): Promise<string[] | undefined> {
  let files: unknown;
  try {
    files = (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { files?: unknown }).files;
  } catch {
    return undefined; // no readable package.json: nothing says what ships
  }
  if (!Array.isArray(files)) return undefined;
  const paths = files.map((f) => (typeof f === 'string' ? posix.normalize(f).replace(/\/+$/, '') : ''));
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

async function listFiles(dir: string, root: string, ships: Ships): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.tsbuildinfo')) continue;
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) {
      if (ships(rel, true)) out.push(...(await listFiles(path, root, ships)));
    } else if ((entry.isFile() || entry.isSymbolicLink()) && ships(rel, false)) out.push(path);
  }
  return out;
}
