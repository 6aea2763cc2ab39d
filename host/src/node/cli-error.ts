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

export class UsageError extends CliError {
  constructor(message: string) {
    super(`${message} (see ra --help)`, EXIT.usage);
  }
}
