import assert from 'node:assert/strict';
import { planActivation, type GraphNode } from './graph.js';

const node = (id: string, requires: string[] = [], extra: Partial<GraphNode> = {}): GraphNode => ({
  id,
  provides: [],
  requires,
  optional: [],
  ...extra,
});

describe('planActivation', () => {
  it('orders a diamond so every provider comes first', () => {
    const plan = planActivation([node('top', ['left', 'right']), node('left', ['base']), node('right', ['base']), node('base')]);
    assert.deepEqual(plan.order, ['base', 'left', 'right', 'top']);
    assert.equal(plan.missing.size, 0);
  });

  it('lets an optional link give way instead of making a cycle', () => {
    const plan = planActivation([node('chat', [], { optional: ['voice'] }), node('voice', ['chat'])]);
    assert.deepEqual(plan.order, ['chat', 'voice']);
  });

  it('orders optional providers first when it can', () => {
    const plan = planActivation([node('ui', [], { optional: ['theme'] }), node('theme')]);
    assert.deepEqual(plan.order, ['theme', 'ui']);
  });

  it('meets a requirement through any one provider, so a cycle through another does not hold it', () => {
    const plan = planActivation([node('p2', ['user'], { provides: ['store'] }), node('user', ['store']), node('p1', [], { provides: ['store'] })]);
    assert.deepEqual(plan.order, ['p1', 'user', 'p2']);
  });

  it('names the cycle, and what is held up by it', () => {
    const plan = planActivation([node('a', ['b']), node('b', ['c']), node('c', ['a']), node('d', ['a'])]);
    assert.deepEqual(plan.order, []);
    assert.equal(plan.missing.get('a'), 'dependency cycle: a -> b -> c -> a');
    assert.equal(plan.missing.get('c'), 'dependency cycle: c -> a -> b -> c');
    assert.equal(plan.missing.get('d'), "requires 'a', which is held up by a dependency cycle");
  });

  it('cascades a blocked provider to everything that requires it', () => {
    const plan = planActivation([node('x', [], { blockedAs: 'disabled-by-user' }), node('y', ['x']), node('z', ['y'])]);
    assert.equal(plan.missing.get('y'), "requires 'x', but x is disabled-by-user");
    assert.equal(plan.missing.get('z'), "requires 'y', but y is missing-dependency");
    assert.deepEqual(plan.order, []);
  });
});
