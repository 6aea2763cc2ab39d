import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The folder, of those given, that the first frame of `error`'s stack lying in any of them belongs to; undefined when no frame does
 * or the error has no stack. The first such frame is the code closest to the throw, so a plugin calling another's code is not blamed.
 */
export function faultOwner<T extends string>(error: unknown, dirs: readonly T[]): T | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  // Both spellings of both paths: ESM frames show file URLs of the real path, CommonJS frames plain paths.
  const prefixes = dirs.flatMap((dir) => [...new Set([dir, real(dir)])].flatMap((d) => [`${d}${sep}`, `${pathToFileURL(d).href}/`].map((p) => ({ p, dir }))));
  for (const line of stack.split('\n')) {
    if (!line.trimStart().startsWith('at ')) continue;
    const hit = prefixes.find(({ p }) => line.includes(p));
    if (hit) return hit.dir;
  }
  return undefined;
}

function real(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
