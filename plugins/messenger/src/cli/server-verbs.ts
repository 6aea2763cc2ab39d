import type { CliHandler } from '@ra/kernel';

/** `serve` and `user`: filled in by the server's author (issue 11). */
export const serverVerbs: Readonly<Record<string, CliHandler>> = {};
