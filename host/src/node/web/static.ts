import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The only kinds of file served; anything else, a plugin's package.json say, stays private. */
const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

const browser = (folder: 'src' | 'dist', file: string) => fileURLToPath(new URL(`../../../${folder}/browser/${file}`, import.meta.url));

/** The shell's page and styles, served from source as they are; `tsc` compiles its scripts into SHELL_SCRIPTS. */
export const SHELL_FILES: Readonly<Record<string, { path: string; type: string }>> = {
  '/': { path: browser('src', 'index.html'), type: 'text/html; charset=utf-8' },
  '/shell.css': { path: browser('src', 'shell.css'), type: TYPES['.css'] },
};

/** The shell's compiled modules, served at the top level: `/shell.js`, `/workbench.js`. */
export const SHELL_SCRIPTS = browser('dist', '');

/**
 * The file `relative` (still percent-encoded, from the URL) inside `root`, or why not: only the
 * types above, no dot segments, and its real path, symlinks resolved, must stay inside `root`.
 */
export async function fileInside(root: string, relative: string): Promise<{ path: string; type: string } | { status: number }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return { status: 400 };
  }
  const type = TYPES[extname(decoded).toLowerCase()];
  if (!type || decoded.includes('\0') || decoded.split('/').some((s) => s.startsWith('.'))) return { status: 403 };
  try {
    const base = await realpath(root);
    const path = await realpath(resolve(base, decoded));
    if (!path.startsWith(base + sep)) return { status: 403 };
    return (await stat(path)).isFile() ? { path, type } : { status: 404 };
  } catch {
    return { status: 404 };
  }
}

/**
 * Streams a file; `no-cache` because a plugin may be rebuilt or swapped while RA runs. Its size, inode and times
 * tag it, so a page that reloads gets "not modified" for what it has, not every script again over a slow link.
 */
export async function sendFile(request: IncomingMessage, response: ServerResponse, file: { path: string; type: string }): Promise<void> {
  const { size, mtimeMs, ctimeMs, ino } = await stat(file.path);
  // npm sets every installed file's mtime to one date: the inode and change time tell an upgraded file apart.
  const tag = `W/"${[size, ino, mtimeMs, ctimeMs].map((n) => Math.floor(n).toString(36)).join('-')}"`;
  response.setHeader('Cache-Control', 'no-cache');
  response.setHeader('ETag', tag);
  if (request.headers['if-none-match'] === tag) {
    response.writeHead(304).end();
    return;
  }
  response.writeHead(200, { 'Content-Type': file.type, 'Content-Length': size });
  await new Promise<void>((done, fail) => {
    createReadStream(file.path).once('error', fail).once('end', done).pipe(response);
  });
}
