import { PolicyUntrustedError, UsageError } from '@ra/kernel';

/** Exit codes the CLI promises; `ra --help` lists them. */
export const EXIT = { ok: 0, error: 1, usage: 2, untrusted: 3, unknown: 4, refused: 5 } as const;

/** An error meant for the user: one line, a chosen exit code, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.error,
  ) {
    super(message);
  }
}

/** The host's and the plugins' commands share one UsageError: exit 2, and a pointer to the help. */
export { UsageError };

/** The exit code and the one line `ra` prints for an error. */
export function describeFailure(e: unknown, debug: boolean): { code: number; line: string } {
  const message = debug && e instanceof Error ? e.stack : e instanceof Error ? e.message : String(e);
  if (e instanceof UsageError) return { code: EXIT.usage, line: `${message} (see ra --help)` };
  const code = e instanceof CliError ? e.code : e instanceof PolicyUntrustedError ? EXIT.untrusted : EXIT.error;
  return { code, line: message ?? String(e) };
}
