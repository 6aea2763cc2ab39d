import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** xdg-email and xdg-open return once the mail program has the message; one that hangs is given up on. */
const RUN_MS = 30_000;
/** Attachments handed to a mail program are kept this long (it reads them when the draft is sent), then removed. */
const OUTBOX_KEPT_MS = 24 * 3600_000;

/**
 * The desktop's mail program, through xdg-utils: `xdg-email` opens a new message with the invitation attached (closest
 * to Windows' Simple MAPI: the novice reviews and sends it), `xdg-open mailto:` a message with a link.
 */
export class DesktopMail {
  /** `env`: the mail program's environment, for specs that sandbox it; RA's own otherwise. */
  constructor(
    private readonly home: string,
    private readonly env?: NodeJS.ProcessEnv,
  ) {}

  /** Opens a draft to `to` with the file attached: written first under `<RA home>/email/outbox`, 0600. */
  async draft(to: string, subject: string, body: string, attachment: { invitationId: string; fileName: string; data: Uint8Array }): Promise<void> {
    const outbox = join(this.home, 'email', 'outbox');
    await this.prune(outbox);
    const folder = join(outbox, attachment.invitationId.replace(/[^A-Za-z0-9_-]/g, '_'));
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const file = join(folder, attachment.fileName);
    await writeFile(file, attachment.data, { mode: 0o600 });
    await run('xdg-email', ['--utf8', '--subject', subject, '--body', body, '--attach', file, to], this.env);
  }

  /** Opens a `mailto:` URL in the mail program. */
  async open(url: string): Promise<void> {
    await run('xdg-open', [url], this.env);
  }

  private async prune(outbox: string): Promise<void> {
    const names = await readdir(outbox).catch(() => [] as string[]);
    for (const name of names) {
      const folder = join(outbox, name);
      const at = await stat(folder).catch(() => undefined);
      if (at && Date.now() - at.mtimeMs > OUTBOX_KEPT_MS) await rm(folder, { recursive: true, force: true });
    }
  }
}

/** xdg-utils' exit codes (xdg-email(1)): 1 bad usage, 2 a file missing, 3 a tool missing, 4 the action failed. */
const EXIT: Record<number, string> = {
  2: 'the invitation file it was given is missing',
  3: 'no mail program is set up on this computer (xdg-utils found none to open)',
  4: 'the mail program did not open',
};

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_MS);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? `no mail program can be opened: ${command} is not installed (Debian package xdg-utils)` : e.message));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = signal ? `${command} did not finish within ${RUN_MS / 1000} s` : (EXIT[code ?? 0] ?? `${command} failed (exit code ${code})`);
      const said = stderr.trim().split('\n').pop();
      reject(new Error(said ? `${why}: ${said.slice(0, 200)}` : why));
    });
  });
}
