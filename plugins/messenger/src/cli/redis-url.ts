import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError, type CliContext } from '@ra/kernel';

/**
 * The Redis URL of `--redis URL` or `--redis-file FILE`; undefined with neither. A password never goes
 * on the command line, where every user of the machine can read it in the process list.
 */
export async function redisUrl(ctx: CliContext): Promise<string | undefined> {
  const given = ctx.text('redis');
  const file = ctx.text('redis-file');
  if (given && file) throw new UsageError('give --redis or --redis-file, not both');
  if (given) {
    if (/^rediss?:\/\/[^/@]*:[^/@]*@/.test(given))
      throw new UsageError(
        'a Redis URL with a password must not be on the command line (others can read it there): put it in a file only you can read and use --redis-file FILE',
      );
    return given;
  }
  if (!file) return undefined;
  const path = resolve(ctx.cwd, file);
  let text: string;
  try {
    if (((await stat(path)).mode & 0o077) !== 0) throw new Error(`it is readable by others; chmod 600 ${path}`);
    text = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw new UsageError(`cannot use --redis-file ${path}: ${(e as Error).message}`);
  }
  if (!text || text.includes('\n')) throw new UsageError(`--redis-file ${path} must hold one line: the Redis URL`);
  return text;
}
