import { syncFolder, writeTempFile } from '@ra/kernel/node';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** `RAInvitation (2).msrcincident` up to `(99)`; past that something is wrong with the folder. */
const MAX_COPY = 99;

/**
 * Writes `data` as a new file at `path` or, when that exists, at the first free
 * `name (2).ext`, `name (3).ext`, as a desktop app saving a download would; returns the path used.
 * Crash-safe: the bytes go to a flushed temporary file, which is then renamed onto a name first
 * reserved by an exclusive create. Renaming alone would overwrite a file that appeared meanwhile;
 * writing the final name directly could leave half an invitation behind.
 */
export async function writeNewFile(path: string, data: Uint8Array): Promise<string> {
  const tmp = await writeTempFile(path, data);
  let reserved: string | undefined;
  try {
    reserved = await reserve(path);
    await rename(tmp, reserved);
    await syncFolder(dirname(reserved));
    return reserved;
  } catch (e) {
    await rm(tmp, { force: true });
    if (reserved) await rm(reserved, { force: true });
    throw e;
  }
}

/** Creates an empty placeholder under the first free name, so nobody else can take it. */
async function reserve(path: string): Promise<string> {
  for (let copy = 1; copy <= MAX_COPY; copy++) {
    const candidate = copy === 1 ? path : numbered(path, copy);
    try {
      await (await open(candidate, 'wx', 0o600)).close();
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`${path} and its copies (2) to (${MAX_COPY}) all exist already; choose another name or folder`);
}

function numbered(path: string, copy: number): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)} (${copy})${ext}`);
}
