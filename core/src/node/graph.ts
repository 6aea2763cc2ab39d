/** A plugin as the dependency planner sees it. `blockedAs` is set when it will not activate anyway. */
export interface GraphNode {
  readonly id: string;
  readonly provides: readonly string[];
  readonly requires: readonly string[];
  readonly optional: readonly string[];
  readonly blockedAs?: string;
}

/** Whether a plugin answers to `name`: its own id, or one of the names it provides. */
export function providesName(n: { readonly id: string; readonly provides: readonly string[] }, name: string): boolean {
  return n.id === name || n.provides.includes(name);
}

export interface Plan {
  /** Plugins to activate, each after a provider of everything it requires, and after its optional ones where possible. */
  readonly order: string[];
  /** Plugins whose requirements cannot be met, with the reason. */
  readonly missing: Map<string, string>;
}

/**
 * Orders activation on requires/optional/provides. A requirement is met by any one eligible
 * provider. A requirement nobody eligible provides, or a cycle of requirements (`a -> b -> a`),
 * keeps the plugins involved out, and so everything that requires them. Optional links only order.
 */
export function planActivation(nodes: readonly GraphNode[]): Plan {
  const missing = new Map<string, string>();
  const eligible = nodes.filter((n) => n.blockedAs === undefined);
  const providersIn = (pool: readonly GraphNode[], name: string, self: GraphNode) => pool.filter((p) => p !== self && providesName(p, name));

  // Requirements nobody eligible provides, cascading until nothing changes.
  let pool = eligible;
  for (let changed = true; changed;) {
    changed = false;
    for (const n of pool) {
      for (const name of n.requires) {
        if (providersIn(pool, name, n).length > 0) continue;
        const all = providersIn(nodes, name, n);
        const blocker = all.find((p) => missing.has(p.id)) ?? all[0];
        missing.set(
          n.id,
          !blocker
            ? `requires '${name}', which no installed plugin provides`
            : `requires '${name}', but ${blocker.id} is ${blocker.blockedAs ?? 'missing-dependency'}`,
        );
        changed = true;
        break;
      }
    }
    pool = pool.filter((n) => !missing.has(n.id));
  }

  // Place a plugin once one provider of each requirement is placed; wait for optional ones while
  // anything else can move, then let optional links go. What is left is held by a requirement cycle.
  const order: string[] = [];
  const placed = new Set<GraphNode>();
  const ready = (n: GraphNode, strict: boolean) =>
    n.requires.every((name) => providersIn(pool, name, n).some((p) => placed.has(p))) &&
    (!strict || n.optional.every((name) => providersIn(pool, name, n).every((p) => placed.has(p))));
  while (placed.size < pool.length) {
    const waiting = pool.filter((n) => !placed.has(n));
    const next = waiting.find((n) => ready(n, true)) ?? waiting.find((n) => ready(n, false));
    if (!next) {
      for (const n of waiting) missing.set(n.id, cycleReason(n, waiting, providersIn));
      break;
    }
    placed.add(next);
    order.push(next.id);
  }
  return { order, missing };
}

/** `dependency cycle: a -> b -> a` when `n` is on one, else which of its requirements is held by one. */
function cycleReason(
  n: GraphNode,
  stuck: readonly GraphNode[],
  providersIn: (pool: readonly GraphNode[], name: string, self: GraphNode) => GraphNode[],
): string {
  const path = [n];
  const seen = new Set<GraphNode>();
  const walk = (from: GraphNode): boolean => {
    for (const name of from.requires) {
      for (const p of providersIn(stuck, name, from)) {
        if (p === n) return true;
        if (seen.has(p)) continue;
        seen.add(p);
        path.push(p);
        if (walk(p)) return true;
        path.pop();
      }
    }
    return false;
  };
  if (walk(n)) return `dependency cycle: ${[...path, n].map((p) => p.id).join(' -> ')}`;
  const held = n.requires.find((name) => providersIn(stuck, name, n).length > 0)!;
  return `requires '${held}', which is held up by a dependency cycle`;
}
