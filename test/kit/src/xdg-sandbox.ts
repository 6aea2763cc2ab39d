import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@ra/kernel/testing';

const run = promisify(execFile);

export interface XdgSandbox {
  /** HOME and the XDG folders, and none of the desktop the tests run under: merge into a child's environment. */
  readonly env: NodeJS.ProcessEnv;
  /** The addresses the recorder was asked to open so far, oldest first. */
  opened(): Promise<string[]>;
  /** The next address the recorder was asked to open that includes `part` (waiting for it), after those already returned. */
  next(part: string, ms?: number): Promise<string>;
}

/**
 * A desktop of its own under `dir` for xdg-utils: a recorder (a program that writes down each address it is asked to
 * open) is the default for `types` (`x-scheme-handler/mailto`, `text/html`, …), and the browser. Real xdg-open and xdg-email run
 * against it; so does whatever a spec starts with `env`.
 */
export async function xdgSandbox(dir: string, types: readonly string[]): Promise<XdgSandbox> {
  const env = {
    HOME: join(dir, 'home'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_DIRS: '/usr/share',
    XDG_CONFIG_DIRS: '/etc/xdg',
    XDG_CURRENT_DESKTOP: '',
    DESKTOP_SESSION: '',
    // Whichever way xdg-open goes (the scheme's handler, or, when it finds none it can run, $BROWSER), it ends here.
    BROWSER: join(dir, 'recorder.sh'),
  };
  const log = join(dir, 'opened.txt');
  await mkdir(join(dir, 'data', 'applications'), { recursive: true });
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(join(dir, 'recorder.sh'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`);
  await chmod(join(dir, 'recorder.sh'), 0o755);
  await writeFile(
    join(dir, 'data', 'applications', 'spec-recorder.desktop'),
    `[Desktop Entry]\nType=Application\nName=Recorder\nExec=${join(dir, 'recorder.sh')} %u\nMimeType=${types.join(';')};\n`,
  );
  await run('xdg-mime', ['default', 'spec-recorder.desktop', ...types], { env: { ...process.env, ...env } });
  const opened = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  let seen = 0;
  return {
    env,
    opened,
    async next(part, ms = 10_000) {
      let at = -1;
      await until(async () => (at = (await opened()).findIndex((a, i) => i >= seen && a.includes(part))) >= 0, ms, `nothing was opened with ${part}`);
      seen = at + 1;
      return (await opened())[at];
    },
  };
}
