import type { ApiMethod } from './api.js';
import { RaError } from './errors.js';
import type { Token } from './token.js';

/** How a command reaches the local API: over HTTP to the running RA, or in this process. A failure is one readable line. */
export interface ApiClient {
  call<T>(method: ApiMethod, path: string, body?: unknown): Promise<T>;
}

/** RA booted inside the command's own process as a helper only: it listens for nobody and stops with the command. */
export interface HelperRuntime {
  readonly api: ApiClient;
  /** A single service an active plugin provides there, e.g. the screen plugin's RemoteScreen. */
  get<T>(service: Token<T>): T;
}

/** What the host hands a plugin's command: its arguments, the local API, and the terminal. */
export interface CliContext {
  /** The words after the verb. */
  readonly args: readonly string[];
  /** The options the command declares in its manifest, as the user gave them. */
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  /** A string option's value, or undefined when not given. */
  text(option: string): string | undefined;
  /**
   * For a command that declares a `password` option: the password from `--password-file FILE`,
   * `--password-stdin`, or typed at a prompt on a terminal; never from argv, where others can read it.
   */
  password(): Promise<string | undefined>;
  /** `--json`: print machine-readable output. */
  readonly json: boolean;
  /** Where the user ran `ra`: paths they type are relative to it. */
  readonly cwd: string;
  /** `text` as an absolute path when it names a file here, else as typed (an address a transport opens). */
  existingPath(text: string): string;
  /** The local API of the RA running for this user; fails plainly when none runs. */
  api(): Promise<ApiClient>;
  /** Boots RA here as a helper only, for a command that needs no running RA; it stops when the command ends. */
  helper(): Promise<HelperRuntime>;
  print(text: string): void;
  printJson(value: unknown): void;
  /** A moment in this machine's time zone, to the minute: `2025-03-01 14:05`. */
  localTime(iso: string): string;
  /** Aligned columns for a terminal, the first row as headers; the last column runs free. */
  table(rows: readonly (readonly string[])[]): string;
}

export type CliHandler = (context: CliContext) => Promise<void>;

/** What a plugin's `cli` entry exports by default: a handler for each command its manifest declares under `CliCommand`. */
export type CliCommands = Readonly<Record<string, CliHandler>>;

export function defineCommands(commands: CliCommands): CliCommands {
  return Object.freeze({ ...commands });
}

/** The user typed the command wrong: the host exits 2 and points at `ra COMMAND --help`. */
export class UsageError extends RaError {}
