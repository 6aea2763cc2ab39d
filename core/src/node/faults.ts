import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The plugin whose code the kernel is running: its module's import and `activate`, its
 * `deactivate`, its hook taps, and everything those start (timers, sockets, promises). It names
 * the owner of an error whose stack shows none of the plugin's files, such as a socket's
 * unhandled 'error' event raised from inside Node.
 */
export const pluginScope = new AsyncLocalStorage<string>();

/**
 * The folder, of those given, that the first frame of `error`'s stack lying in any of them belongs to; undefined when no frame does
 * or the error has no stack. The first such frame is the code closest to the throw, so a plugin calling another's code is not blamed.
 */
export function faultOwner<T extends string>(error: unknown, dirs: readonly T[]): T | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  return frameOwner(
    stack.split('\n').filter((line) => line.trimStart().startsWith('at ')),
    dirs,
  );
}

/** The folder holding the first of these frames (stack lines, file URLs or paths) that lies in any of `dirs`. */
export function frameOwner<T extends string>(frames: readonly string[], dirs: readonly T[]): T | undefined {
  // Both spellings of both paths: ESM frames show file URLs of the real path, CommonJS frames plain paths.
  const prefixes = dirs.flatMap((dir) => [...new Set([dir, real(dir)])].flatMap((d) => [`${d}${sep}`, `${pathToFileURL(d).href}/`].map((p) => ({ p, dir }))));
  for (const frame of frames) {
    const hit = prefixes.find(({ p }) => frame.includes(p));
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
