import assert from 'node:assert/strict';
import { Ajv } from './vendor.js';
import { MANIFEST_SCHEMA } from './manifest.js';
import { POLICY_SCHEMA } from './policy.js';
import { SETTINGS_SCHEMA } from './settings.js';
import { checkSchema } from './schema.js';

describe('schemas', () => {
  it('are valid JSON Schemas, since the kernel skips that check at start-up', () => {
    const strict = new Ajv({ strict: true, useDefaults: true });
    for (const schema of [MANIFEST_SCHEMA, POLICY_SCHEMA, SETTINGS_SCHEMA]) {
      assert.ok(strict.validateSchema(schema), JSON.stringify(strict.errors));
      strict.compile(schema);
    }
  });

  it('name a broken plugin settings schema', () => {
    assert.throws(() => checkSchema({ type: 'nonsense' }, {}), /settings schema is not a valid JSON Schema/);
    assert.match(checkSchema({ type: 'object', properties: { a: { type: 'string' } } }, { a: 1 })!, /\/a must be string/);
  });
});
