import assert from 'node:assert/strict';
import type { PluginManifest } from '../common/manifest.js';
import { sampleManifest } from '../testing/stubs.js';
import { PointCatalogue } from './points.js';

describe('kernel: PointCatalogue', () => {
  const owner = sampleManifest('a.owner', {
    extensionPoints: {
      Transport: { cardinality: 'many' },
      Store: { cardinality: 'one', permission: 'filesystem' },
      Widget: {
        cardinality: 'many',
        contribution: { type: 'object', required: ['id', 'size'], properties: { id: { type: 'string' }, size: { type: 'integer' } } },
      },
    },
  });
  const catalogue = new PointCatalogue([owner, sampleManifest('b.late', { extensionPoints: { Transport: { cardinality: 'one' } } })]);

  it("holds the kernel points and each owner's, the first declarer keeping a name", () => {
    assert.equal(catalogue.get('ApiRoute')?.owner, 'kernel');
    assert.equal(catalogue.get('Transport')?.owner, 'a.owner');
    assert.equal(catalogue.get('Transport')?.cardinality, 'many');
    assert.equal(catalogue.get('Store')?.permission, 'filesystem');
    assert.match(
      catalogue.problem(sampleManifest('b.late', { extensionPoints: { Transport: { cardinality: 'one' } } }))!,
      /declares the extension point Transport, which a\.owner already declares/,
    );
  });

  it('checks each contribution against its point: known, the right shape, unique ids, fitting the schema', () => {
    const check = (contributes: PluginManifest['contributes']) => catalogue.problem(sampleManifest('c.user', { contributes }));
    assert.equal(check({ Transport: ['t1', 't2'], Store: true, Widget: [{ id: 'w', size: 3 }] }), undefined);
    assert.match(check({ Nowhere: ['x'] })!, /contributes to Nowhere, which no installed plugin declares/);
    assert.match(check({ Store: ['s'] })!, /contributes\.Store must be true/);
    assert.match(check({ Transport: true })!, /contributes\.Transport must be a list of entries/);
    assert.match(check({ Transport: ['t', 't'] })!, /lists an id twice/);
    assert.match(check({ Widget: [{ id: 'w', size: 'big' }] })!, /entry 'w' does not fit the point: \/size must be integer/);
    assert.match(check({ PolicyService: true })!, /PolicyService is provided by the kernel/);
  });
});
