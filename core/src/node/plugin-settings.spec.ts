import assert from 'node:assert/strict';
import type { PluginManifest } from '../common/manifest.js';
import { effectiveSettings } from './plugin-settings.js';

const manifest = {
  id: 'a.plugin',
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: { port: { type: 'integer', default: 3389 }, host: { type: 'string', default: '0.0.0.0' } },
  },
} as unknown as PluginManifest;

describe("kernel: a plugin's effective settings", () => {
  it('fills the defaults around what the user set, and leaves the stored settings alone', () => {
    const stored = { plugins: { 'a.plugin': { settings: { port: 4000 } } } };
    assert.deepEqual(effectiveSettings(manifest, stored, assert.fail), { port: 4000, host: '0.0.0.0' });
    assert.deepEqual(stored.plugins['a.plugin'].settings, { port: 4000 });
  });

  it('falls back to the defaults and says why when the settings do not fit the schema', () => {
    const warnings: string[] = [];
    assert.deepEqual(
      effectiveSettings(manifest, { plugins: { 'a.plugin': { settings: { port: 'x', colour: 1 } } } }, (w) => warnings.push(w)),
      { port: 3389, host: '0.0.0.0' },
    );
    assert.match(warnings[0], /settings for 'a\.plugin' ignored, defaults used: .*unknown key 'colour'.*\/port must be integer/);
  });

  it('hands a plugin without a schema what the user wrote', () => {
    const plain = { id: 'b.plugin' } as PluginManifest;
    assert.deepEqual(effectiveSettings(plain, { plugins: { 'b.plugin': { settings: { any: true } } } }, assert.fail), { any: true });
    assert.deepEqual(effectiveSettings(plain, { plugins: {} }, assert.fail), {});
  });
});
