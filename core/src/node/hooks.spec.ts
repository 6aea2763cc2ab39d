import assert from 'node:assert/strict';
import { HookRegistry, pluginHooks } from './hooks.js';

describe('kernel: HookRegistry', () => {
  const errors: string[] = [];
  let registry: HookRegistry;
  beforeEach(() => {
    errors.length = 0;
    registry = new HookRegistry((owner, hook, e) => errors.push(`${owner} ${hook}: ${e.message}`), 200);
    registry.declare('owner', {
      opened: { kind: 'series', args: ['session'] },
      outgoing: { kind: 'waterfall', args: ['value'], final: ['veto'] },
      connecting: { kind: 'refuse', args: ['who'] },
    });
  });

  it('runs taps in order, contained and attributed, and undoes a tap without tapable internals', async () => {
    const seen: string[] = [];
    registry.tap('a', 'opened', (s) => void seen.push(`a:${String(s)}`));
    const b = registry.tap('b', 'opened', () => {
      throw new Error('boom');
    });
    registry.tap('c', 'opened', async (s) => void seen.push(`c:${String(s)}`));
    await registry.call('owner', 'opened', ['s1']);
    assert.deepEqual(seen, ['a:s1', 'c:s1']);
    assert.deepEqual(errors, ['b hook opened: boom']);
    b.dispose();
    registry.removeTaps('a');
    assert.deepEqual(registry.tappers('opened'), ['c']);
    await registry.call('owner', 'opened', ['s2']);
    assert.deepEqual(seen, ['a:s1', 'c:s1', 'c:s2']);
  });

  it('gives up on a hanging tap after the timeout and goes on', async () => {
    registry.tap('slow', 'opened', () => new Promise(() => {}));
    let after = false;
    registry.tap('next', 'opened', () => void (after = true));
    await registry.call('owner', 'opened', ['s']);
    assert.equal(after, true);
    assert.deepEqual(errors, ['slow hook opened: tap did not finish within 200 ms']);
  });

  it('keeps final fields of a waterfall, hands each tap a frozen copy, and ignores non-objects', async () => {
    registry.tap('veto', 'outgoing', (v) => ({ ...(v as object), veto: 'no' }));
    registry.tap('eraser', 'outgoing', (v) => ({ ...(v as object), veto: undefined, target: 'b' }));
    registry.tap('mutator', 'outgoing', (v) => void delete (v as { target?: string }).target);
    registry.tap('null', 'outgoing', () => null);
    assert.deepEqual(await registry.call('owner', 'outgoing', [{ target: 'a' }]), { target: 'b', veto: 'no' });
    assert.equal(errors.length, 1, 'the delete on a frozen copy is reported');
  });

  it('refuses only with a reason', async () => {
    registry.tap('quiet', 'connecting', () => '');
    registry.tap('falsy', 'connecting', () => false as unknown as string);
    assert.equal(await registry.call('owner', 'connecting', ['x']), undefined);
    registry.tap('strict', 'connecting', (who) => (who === 'Mallory' ? 'not trusted' : undefined));
    assert.equal(await registry.call('owner', 'connecting', ['Mallory']), 'not trusted');
  });

  it('lets only the owner fire, refuses a second owner, and forgets hooks with their owner', async () => {
    await assert.rejects(registry.call('other', 'opened', []), /plugin 'other' may not fire opened: owner owns it/);
    assert.throws(() => registry.declare('other', { opened: { kind: 'series', args: ['x'] } }), /hook opened is already declared by owner/);
    const d = registry.declare('second', { closed: { kind: 'series', args: ['x'] } });
    d.dispose();
    assert.throws(() => registry.tap('a', 'closed', () => undefined), /no active plugin declares the hook closed/);
  });

  it('makes taps and calls of a revoked plugin no-ops', async () => {
    const { hooks, revoke } = pluginHooks(registry, 'owner');
    let count = 0;
    hooks.hook('opened').tap(() => void count++);
    revoke();
    hooks.hook('opened').tap(() => void count++);
    assert.equal(await hooks.hook('opened').call('s'), undefined);
    await registry.call('owner', 'opened', ['s']);
    assert.equal(count, 1);
  });
});
