import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Crash-safe write: a temporary file in the same folder, flushed to disk, then renamed over the
 * target. A crash leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = await writeTempFile(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(dirname(path));
}

/**
 * Writes `data` to a new, flushed temporary file beside `path` and returns its name: the first step
 * of every crash-safe write, which then renames or links it into place.
 */
export async function writeTempFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await handle.close();
  }
  return tmp;
}

/** Makes a rename in `dir` durable: without it a power cut can bring the old name back. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads a small file, refusing anything over `maxBytes`. Size is checked on the open handle and the
 * read stops one byte past it, so a file that grows meanwhile is refused, never read whole.
 */
export async function readSmallFile(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path} is not a file`);
    if (info.size > maxBytes) throw new Error(`${path} is ${info.size} bytes, more than the ${maxBytes} allowed`);
    const buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = (await handle.read(buffer, length, buffer.length - length, null)).bytesRead;
    }
    if (length > info.size) throw new Error(`${path} changed while it was read`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Parses JSON, naming the file in the error so the user knows which one to fix. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}
