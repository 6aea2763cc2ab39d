import type { CliHandler } from '@ra/kernel';

/** `login`, `logout`, `status`, `contacts`, `add`, `accept`, `block`: filled in by the client's author (issue 11). */
export const clientVerbs: Readonly<Record<string, CliHandler>> = {};
