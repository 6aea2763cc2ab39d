import type { Permission } from './permissions.js';
import { token, type Token } from './token.js';

/** Where a contribution lives: in the Node process, in the page, or in the `ra` command line. */
export type PointSide = 'node' | 'browser' | 'cli';

/**
 * An extension point, as its owner declares it: the kernel declares the few the host itself
 * consumes; every other point is declared in the manifest of the plugin that owns the flow.
 */
export interface ExtensionPoint {
  readonly token: Token<unknown>;
  readonly name: string;
  /** `many`: every active plugin may contribute; `one`: a second provider is refused. */
  readonly cardinality: 'many' | 'one';
  readonly side: PointSide;
  /** `kernel`, or the id of the plugin that declared it. */
  readonly owner: string;
  /** Only the owner provides it (the kernel's services). */
  readonly ownerProvides: boolean;
  /** Needed to obtain it, and to provide it. */
  readonly permission?: Permission;
  /** JSON Schema of one entry under `contributes.<name>` in a contributor's manifest. */
  readonly contribution?: Readonly<Record<string, unknown>>;
}

/** One entry of a command-line contribution: the declaration `ra --help` lists and the host parses by. */
export interface CliCommandDeclaration {
  readonly id: string;
  /** One line for `ra --help`. */
  readonly summary: string;
  /** The arguments after the verb, e.g. `[list|expire ID|delete ID]`. */
  readonly usage?: string;
  readonly options?: Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly description?: string }>>;
}

export const CliCommand = token<CliCommandDeclaration>('CliCommand');

/** The id of one entry under `contributes`: the string itself, or an object's `id`. */
export function contributionId(entry: unknown): string {
  return typeof entry === 'string' ? entry : String((entry as { id?: unknown }).id);
}

/** Reads a list extension point: the contributions of every active plugin, in activation order. */
export interface ContributionProvider {
  getContributions<T>(t: Token<T>): T[];
}

export const ContributionProvider = token<ContributionProvider>('ContributionProvider');
