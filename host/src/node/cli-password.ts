import { readFile } from 'node:fs/promises';
import { UsageError } from '@ra/kernel';
import { CliError } from './cli-error.js';

/**
 * A command that declares a `password` option takes it from a file, from stdin, or from a prompt
 * that does not echo, never from argv: other users on the machine can read a process's argv.
 */
export const PASSWORD_OPTIONS = { 'password-file': { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;

export function refusePasswordInArgv(argv: readonly string[]): void {
  if (argv.some((a) => a === '--password' || a.startsWith('--password=')))
    throw new UsageError(
      'a password is never taken from the command line, where other users can read it; use --password-file FILE, --password-stdin, or type it when asked',
    );
}

/** The password from `--password-file`, `--password-stdin` or a prompt on a terminal; undefined when none was given. */
export async function readPassword(options: Readonly<Record<string, string | boolean | undefined>>): Promise<string | undefined> {
  const file = options['password-file'];
  if (typeof file === 'string') {
    try {
      return firstLine(await readFile(file, 'utf8'));
    } catch (e) {
      throw new CliError(`cannot read the password file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (options['password-stdin'] === true) return firstLine(await readAll(process.stdin));
  if (process.stdin.isTTY) return prompt('Password (leave empty if none): ');
  return undefined;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** Reads a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled'));
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}
