/** A plugin as the dependency planner sees it. `blockedAs` is set when it will not activate anyway. */
export interface GraphNode {
  readonly id: string;
  readonly provides: readonly string[];
  readonly requires: readonly string[];
  readonly optional: readonly string[];
  readonly blockedAs?: string;
}

export interface Plan {
  /** Plugins to activate, each after everything it requires or optionally uses. */
  readonly order: string[];
  /** Plugins whose requirements cannot be met, with the reason. */
  readonly missing: Map<string, string>;
}

/**
 * Orders activation on requires/optional/provides. A requirement nobody eligible provides, or a
 * cycle (`a -> b -> a`), keeps the plugins involved out, and so everything that requires them.
 */
export function planActivation(nodes: readonly GraphNode[]): Plan {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const providers = (name: string) => nodes.filter((n) => n.id === name || n.provides.includes(name));
  const eligible = (n: GraphNode) => n.blockedAs === undefined;
  const missing = new Map<string, string>();
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const depsOf = (n: GraphNode, names: readonly string[]) =>
    names.flatMap((name) => providers(name).filter((p) => p.id !== n.id && eligible(p)).map((p) => ({ name, id: p.id })));

  const visit = (n: GraphNode): void => {
    if (state.get(n.id) === 'done') return;
    if (state.get(n.id) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(n.id)), n.id];
      for (const id of cycle) if (!missing.has(id)) missing.set(id, `dependency cycle: ${cycle.join(' -> ')}`);
      return;
    }
    state.set(n.id, 'visiting');
    stack.push(n.id);
    for (const name of n.requires) {
      const all = providers(name).filter((p) => p.id !== n.id);
      if (all.length === 0) missing.set(n.id, missing.get(n.id) ?? `requires '${name}', which no installed plugin provides`);
      else if (!all.some(eligible)) missing.set(n.id, missing.get(n.id) ?? `requires '${name}', but ${all[0].id} is ${all[0].blockedAs}`);
    }
    const deps = [...depsOf(n, n.requires), ...depsOf(n, n.optional)];
    for (const dep of deps) visit(byId.get(dep.id)!);
    stack.pop();
    state.set(n.id, 'done');
    if (!missing.has(n.id)) {
      const blocker = depsOf(n, n.requires).find(
        (dep) => missing.has(dep.id) && !providers(dep.name).some((p) => eligible(p) && !missing.has(p.id)),
      );
      if (blocker) missing.set(n.id, `requires '${blocker.name}', but ${blocker.id} is missing-dependency`);
      else order.push(n.id);
    }
  };

  for (const n of nodes) if (eligible(n)) visit(n);
  return { order: order.filter((id) => !missing.has(id)), missing };
}
