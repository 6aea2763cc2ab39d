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

  it('report a broken plugin settings schema instead of throwing', () => {
    assert.match(checkSchema({ type: 'nonsense' }, {})!, /settings schema is itself invalid/);
  });
});
