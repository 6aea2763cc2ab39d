import { link, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTempFile } from '@ra/kernel/node';

/** Another process holds the data folder. */
export class FolderLocked extends Error {
  constructor(
    readonly pid: number,
    dir: string,
  ) {
    super(`the messenger data folder ${dir} is in use by process ${pid}`);
  }
}

/**
 * Takes `<dir>/lock`, holding this process's id, so two processes never write one store. A lock left
 * by a process that no longer runs is taken over. Returns the release.
 */
export async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'lock');
  for (let attempt = 0; ; attempt++) {
    // Linked into place whole, so nobody ever reads a lock without its process id.
    const tmp = await writeTempFile(path, `${process.pid}\n`);
    try {
      await link(tmp, path);
      return async () => {
        if ((await holder(path)) === process.pid) await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = await holder(path);
      if (pid !== undefined && alive(pid)) throw new FolderLocked(pid, dir);
      if (attempt > 0) throw new Error(`cannot take the lock ${path}: it keeps coming back; is another server starting?`);
      await rm(path, { force: true });
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

async function holder(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
