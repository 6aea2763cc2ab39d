import assert from 'node:assert/strict';
import { Container } from '../common/di.js';
import { DisposableStore } from '../common/disposable.js';
import { ContributionProvider } from '../common/extension-points.js';
import { sampleManifest } from '../testing/stubs.js';
import { DEFAULT_POLICY, type PolicyState } from '../common/policy.js';
import { token } from '../common/token.js';
import { claimBindings, guardContainer, type GuardDeps } from './guard.js';
import { PointCatalogue } from './points.js';

const Transport = token<{ id: string }>('Transport');
const Camera = token<{ id: string }>('Camera');
const Store = token<{ id: string }>('Store');

const owner = sampleManifest('a.owner', {
  extensionPoints: { Transport: { cardinality: 'many' }, Camera: { cardinality: 'many', permission: 'capture' }, Store: { cardinality: 'one' } },
});

function deps(policy: PolicyState = { policy: DEFAULT_POLICY, origin: 'default', path: '' }): GuardDeps {
  return {
    catalogue: new PointCatalogue([owner]),
    policy: () => policy,
    contributions: <T>(t: symbol) => (t === Camera ? [{ id: 'cam' }] : []) as T[],
    single: <T>() => ({ id: 'the store' }) as T,
  };
}

describe('kernel: the guard and the claim check', () => {
  it('hands a plugin list points and single services only behind its permissions, and nothing once revoked', () => {
    const access = { revoked: false };
    const viewer = guardContainer(sampleManifest('b.viewer', { permissions: ['capture'] }), new DisposableStore(), access, deps());
    assert.deepEqual(viewer.get<ContributionProvider>(ContributionProvider).getContributions(Camera), [{ id: 'cam' }]);
    assert.deepEqual(viewer.get(Store), { id: 'the store' });
    const snoop = guardContainer(sampleManifest('c.snoop'), new DisposableStore(), { revoked: false }, deps());
    assert.throws(
      () => snoop.get<ContributionProvider>(ContributionProvider).getContributions(Camera),
      /plugin 'c\.snoop' may not use Camera: its manifest does not declare the 'capture' permission/,
    );
    assert.throws(() => snoop.get<ContributionProvider>(ContributionProvider).getContributions(Store), /Store is not a list extension point/);
    access.revoked = true;
    assert.throws(() => viewer.get(Store), /plugin 'b\.viewer' is no longer active/);
  });

  it('holds a plugin to the contributions its manifest declares, and refuses clashes with other plugins', () => {
    const bound = (ids: string[], store = false) => {
      const c = new Container();
      for (const id of ids) c.bind(Transport).toConstantValue({ id });
      if (store) c.bind(Store).toConstantValue({ id: 's' });
      return c;
    };
    const declared = sampleManifest('d.user', { contributes: { Transport: ['t1'], Store: true } });
    assert.deepEqual(claimBindings(declared, bound(['t1'], true), deps(), [], new Map()), [Store]);
    assert.throws(
      () => claimBindings(declared, bound(['t1', 't2'], true), deps(), [], new Map()),
      /contributes Transport 't2' that its manifest does not declare/,
    );
    assert.throws(() => claimBindings(declared, bound([], true), deps(), [], new Map()), /declares Transport but the plugin binds none/);
    assert.throws(
      () => claimBindings(declared, bound(['t1'], true), deps(), [], new Map([[Store, 'e.first']])),
      /exactly one plugin may provide Store, and e\.first already does/,
    );
    const other = { id: 'f.other', container: bound(['t1']), manifest: sampleManifest('f.other') };
    assert.throws(() => claimBindings(declared, bound(['t1'], true), deps(), [other], new Map()), /Transport 't1' is already contributed by f\.other/);
  });

  it('refuses a command-line verb another active plugin already contributes', () => {
    const verb = (id: string, name: string) => sampleManifest(id, { contributes: { CliCommand: [{ id: name, summary: name }] } });
    const first = { id: 'g.first', container: new Container(), manifest: verb('g.first', 'open') };
    assert.deepEqual(claimBindings(verb('h.second', 'close'), new Container(), deps(), [first], new Map()), []);
    assert.throws(
      () => claimBindings(verb('h.second', 'open'), new Container(), deps(), [first], new Map()),
      /CliCommand 'open' is already contributed by g\.first/,
    );
  });
});
