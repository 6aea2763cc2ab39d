import assert from 'node:assert/strict';
import type { PluginManifest } from '../common/manifest.js';
import { DEFAULT_POLICY, type PolicyState } from '../common/policy.js';
import { PolicyError } from '../common/errors.js';
import { effectiveSettings } from './plugin-settings.js';
import { policySections } from './policy.js';
import { checkSchema } from './schema.js';
import { changeSetting, parseSettingText, policyLookup, settingViews } from './setting-catalog.js';

const owner = {
  id: 'ra.owner',
  displayName: 'Owner',
  policy: {
    solicited: {
      type: 'object',
      properties: {
        allowControl: { type: 'boolean', default: true },
        maxLifetime: { type: 'string', format: 'duration', default: '30d' },
        colour: { type: 'string' },
      },
    },
  },
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowControl: { type: 'boolean', default: false, title: 'Allow control', policy: 'solicited.allowControl' },
      maxLifetime: { type: 'string', format: 'duration', default: '30d', title: 'Longest invitation', policy: 'solicited.maxLifetime' },
      colour: { type: 'string', default: 'blue', policy: 'solicited.colour', description: 'A colour' },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 3389 },
    },
  },
} as unknown as PluginManifest;

function lookup(sections: Record<string, unknown> = {}) {
  const state: PolicyState = { policy: { ...DEFAULT_POLICY, sections }, origin: 'file', path: '/p' };
  return policyLookup(state, policySections([owner]));
}

describe('kernel: settings and the policy values they name', () => {
  it('accepts the policy keyword in a plugin schema, and refuses a malformed one', () => {
    assert.equal(checkSchema(owner.settings!, {}), undefined);
    assert.throws(() => checkSchema({ type: 'boolean', policy: 'Not A Path' }, true), /not a valid JSON Schema/);
    assert.throws(() => checkSchema({ type: 'boolean', policy: 3 }, true), /not a valid JSON Schema/);
  });

  it('shows each setting from the schema, and what the policy fixes or caps as set by your organization', () => {
    const views = settingViews(
      [owner],
      { 'ra.owner': { allowControl: true, maxLifetime: '60d' } },
      lookup({ solicited: { allowControl: false, maxLifetime: '6h' } }),
    );
    const byKey = Object.fromEntries(views.map((v) => [v.key, v]));
    assert.deepEqual(
      [byKey.allowControl.value, byKey.allowControl.locked, byKey.allowControl.chosen, byKey.allowControl.title, byKey.allowControl.pluginName],
      [false, 'set by your organization', true, 'Allow control', 'Owner'],
    );
    assert.deepEqual([byKey.maxLifetime.value, byKey.maxLifetime.max, byKey.maxLifetime.locked, byKey.maxLifetime.type], ['6h', '6h', undefined, 'duration']);
    assert.deepEqual(
      [byKey.colour.value, byKey.colour.locked, byKey.colour.description],
      ['blue', undefined, 'A colour'],
      'a default in the policy fixes nothing',
    );
    assert.deepEqual([byKey.port.id, byKey.port.value, byKey.port.type, byKey.port.title], ['ra.owner.port', 3389, 'integer', 'port']);
  });

  it('lets a policy that allows, or says nothing, leave the choice to the user', () => {
    const views = settingViews([owner], { 'ra.owner': { allowControl: true } }, lookup({ solicited: { allowControl: true } }));
    assert.deepEqual([views[0].value, views[0].locked], [true, undefined]);
    const unsaid = settingViews([owner], { 'ra.owner': { maxLifetime: '60d' } }, lookup());
    assert.deepEqual([unsaid[1].value, unsaid[1].max], ['60d', undefined], 'a default of the section is no organization’s cap');
  });

  it('gives the plugin its settings within the policy, so the lock holds whatever settings.json says', () => {
    const stored = { plugins: { 'ra.owner': { settings: { allowControl: true, maxLifetime: '60d', colour: 'red' } } } };
    assert.deepEqual(effectiveSettings(owner, stored, assert.fail, lookup({ solicited: { allowControl: false, maxLifetime: '2d', colour: 'green' } })), {
      allowControl: false,
      maxLifetime: '2d',
      colour: 'green',
      port: 3389,
    });
  });

  it('checks a change against the schema and the policy, naming the problem', () => {
    const free = lookup();
    assert.deepEqual(changeSetting(owner, { port: 4000 }, 'allowControl', true, free), { port: 4000, allowControl: true });
    assert.deepEqual(changeSetting(owner, { port: 4000 }, 'port', undefined, free), {});
    assert.throws(() => changeSetting(owner, {}, 'port', 70000, free), /^Error: ra\.owner\.port: must be <= 65535$/);
    assert.throws(() => changeSetting(owner, {}, 'maxLifetime', 'soon', free), /ra\.owner\.maxLifetime: must be a duration like 90m, 6h or 30d/);
    assert.throws(() => changeSetting(owner, {}, 'nope', 1, free), /ra\.owner has no setting 'nope'; it has allowControl, maxLifetime, colour, port/);
    const strict = lookup({ solicited: { allowControl: false, maxLifetime: '6h' } });
    assert.throws(
      () => changeSetting(owner, {}, 'allowControl', true, strict),
      (e: Error) => e instanceof PolicyError && /ra\.owner\.allowControl is set by your organization \(policy solicited\.allowControl: false\)/.test(e.message),
    );
    assert.throws(() => changeSetting(owner, {}, 'maxLifetime', '1d', strict), /may be at most 6h, set by your organization/);
    assert.deepEqual(changeSetting(owner, {}, 'maxLifetime', '2h', strict), { maxLifetime: '2h' });
    assert.deepEqual(changeSetting(owner, {}, 'allowControl', false, strict), { allowControl: false });
  });

  it('reads values typed on a command line as the setting’s type', () => {
    assert.equal(parseSettingText(owner, 'allowControl', 'on'), true);
    assert.equal(parseSettingText(owner, 'allowControl', 'No'), false);
    assert.throws(() => parseSettingText(owner, 'allowControl', 'maybe'), /ra\.owner\.allowControl is on or off, not 'maybe'/);
    assert.equal(parseSettingText(owner, 'port', '4000'), 4000);
    assert.throws(() => parseSettingText(owner, 'port', 'x'), /is a number/);
    assert.equal(parseSettingText(owner, 'maxLifetime', '6h'), '6h');
  });
});
