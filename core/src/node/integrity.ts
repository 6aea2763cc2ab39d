import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * `sha512-<base64>` over every file of a plugin folder, sorted by path, except dot-files and build
 * caches. Its own node_modules count: Node resolves the plugin's imports there first. Paths and
 * sizes are hashed too, so moving bytes between files changes the result.
 */
export async function pluginIntegrity(dir: string): Promise<string> {
  const hash = createHash('sha512');
  for (const file of await listFiles(dir)) {
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

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.tsbuildinfo')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(path);
  }
  return out;
}
