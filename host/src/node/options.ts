import { UsageError } from './cli-error.js';

/** A TCP port from the command line; `allowZero` for "any free port". */
export function parsePort(value: string | undefined, option: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65535 && port >= (allowZero ? 0 : 1)))
    throw new UsageError(`${option} must be a port number from ${allowZero ? 0 : 1} to 65535, not '${value}'`);
  return port;
}

/** An X display name as DISPLAY holds it: `:0`, `:1.0`, `host:0`. */
export function parseDisplay(value: string | undefined): string | undefined {
  if (value !== undefined && !/^[\w.-]*:\d+(\.\d+)?$/.test(value)) throw new UsageError(`--display must look like :0 or host:0, not '${value}'`);
  return value;
}
