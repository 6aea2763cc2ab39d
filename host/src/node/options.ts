import { UsageError } from './cli-error.js';

/** A TCP port from the command line; `allowZero` for "any free port". */
export function parsePort(value: string | undefined, option: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65535 && port >= (allowZero ? 0 : 1))) throw new UsageError(`${option} must be a port number from ${allowZero ? 0 : 1} to 65535, not '${value}'`);
  return port;
}

/** `90`, `90s`, `2m` or `1500ms`, in milliseconds; plain numbers are seconds. At most an hour. */
export function parseTimeout(value: string, option: string): number {
  const match = /^(\d{1,7})(ms|s|m)?$/.exec(value);
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's']! : NaN;
  if (!(ms >= 1 && ms <= 3_600_000)) throw new UsageError(`${option} must be a duration such as 60s or 2m, up to 1 hour, not '${value}'`);
  return ms;
}

/** An X display name as DISPLAY holds it: `:0`, `:1.0`, `host:0`. */
export function parseDisplay(value: string | undefined): string | undefined {
  if (value !== undefined && !/^[\w.-]*:\d+(\.\d+)?$/.test(value)) throw new UsageError(`--display must look like :0 or host:0, not '${value}'`);
  return value;
}
