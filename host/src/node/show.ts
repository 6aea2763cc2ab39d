import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TOKEN_FIELD } from '../browser/access.js';
import { CliError } from './cli-error.js';
import type { Environment } from './environment.js';
import { readStatus, type HostStatus } from './status.js';

/** How long a started RA may take to serve its page. */
const START_MS = 30_000;
/** The page's field naming an invitation to open (ra.session reads it). */
const OPEN_FIELD = 'open';
/** Redirect files are removed by the next `ra show` once this old: the browser read them long before. */
const REDIRECT_KEPT_MS = 60_000;

/**
 * `ra show [INVITATION]`: RA's page in the browser, RA started first when it is not running, which is what a
 * double-clicked invitation or a clicked `ra-invite:` link runs. With an invitation (a file, `file://` URI or link),
 * the page opens it on Help someone, showing who sent it and asking for the password. The browser's command line,
 * which any local user can read, names only a 0600 file that redirects to the page's secret address.
 */
export async function showPage(env: Environment, invitation: string | undefined, cwd: string): Promise<string> {
  const status = (await readStatus(env.home)) ?? (await startDetached(env));
  const api = status.api!;
  const open = invitation ? `&${OPEN_FIELD}=${encodeURIComponent(source(invitation, cwd))}` : '';
  await browse(await redirect(env, `${api.url}#${TOKEN_FIELD}=${api.secret}${open}`));
  return invitation ? `RA opens the invitation in your browser: ${invitation}` : 'RA opens in your browser';
}

/** A page in `<RA home>/run`, readable by this user only, that sends the browser on to `url`; its `file://` address. */
async function redirect(env: Environment, url: string): Promise<string> {
  const run = join(env.home, 'run');
  await mkdir(run, { recursive: true, mode: 0o700 });
  for (const name of await readdir(run)) {
    const old = join(run, name);
    if (/^show-.+\.html$/.test(name) && Date.now() - ((await stat(old).catch(() => undefined))?.mtimeMs ?? Date.now()) > REDIRECT_KEPT_MS)
      await rm(old, { force: true });
  }
  const path = join(run, `show-${randomBytes(8).toString('hex')}.html`);
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  await writeFile(
    path,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${attr}"><title>RA</title><a href="${attr}">Open RA</a>\n`,
    { mode: 0o600 },
  );
  return pathToFileURL(path).href;
}

/** A path as RA's file transport reads it (absolute), a `file://` URI as its path, a link as it is. */
function source(text: string, cwd: string): string {
  if (/^file:\/\//i.test(text)) return fileURLToPath(text);
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) return text;
  return isAbsolute(text) ? text : resolve(cwd, text);
}

/** `ra start` on its own, outliving this command, its output in `run/show-start.log`; resolves once its page answers. */
async function startDetached(env: Environment): Promise<HostStatus> {
  await mkdir(join(env.home, 'run'), { recursive: true, mode: 0o700 });
  const logPath = join(env.home, 'run', 'show-start.log');
  const log = await open(logPath, 'w', 0o600);
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'start'], { detached: true, stdio: ['ignore', log.fd, log.fd] });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  await log.close();
  const until = Date.now() + START_MS;
  while (Date.now() < until) {
    const status = await readStatus(env.home);
    if (status?.api) return status;
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const said = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' ');
  throw new CliError(`RA did not start${exited !== undefined ? ` (exit code ${exited})` : ` within ${START_MS / 1000} s`}${said ? `: ${said}` : ''}`);
}

/** The user's browser, through xdg-open. */
function browse(url: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('xdg-open', [url], { stdio: 'ignore' });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new CliError(e.code === 'ENOENT' ? 'cannot open a browser: xdg-open is not installed (Debian package xdg-utils)' : e.message)),
    );
    // xdg-open's exit codes (xdg-open(1)): 3, no tool to open it with; 4, it failed.
    const why = (code: number | null) => (code === 3 ? 'no web browser is set up on this computer' : `xdg-open exit code ${code}`);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new CliError(`the browser did not open (${why(code)}); open ${url.split('#')[0]} yourself`)),
    );
  });
}
