/**
 * A typed DI key. `Symbol.for` keeps keys equal even if a plugin bundles its own copy of the
 * kernel; the phantom type lets `ctx.get(Token)` return the right interface.
 */
export type Token<T> = symbol & { readonly __type?: T };

export function token<T>(name: string): Token<T> {
  return Symbol.for(`ra.kernel:${name}`) as Token<T>;
}

export function tokenName(t: symbol): string {
  return (t.description ?? '').replace(/^ra\.kernel:/, '');
}
