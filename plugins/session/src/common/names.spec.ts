import assert from 'node:assert/strict';
import { cleanName, MAX_NAME_LENGTH } from './names.js';

describe('cleanName', () => {
  it('drops direction overrides, zero-width, control and line-separator characters', () => {
    assert.equal(cleanName('\u202Eevil\u202C \u200Bbob\u0000\u0007'), 'evil bob');
    assert.equal(cleanName('Ann\u2028Support\u2029\r\nDesk'), 'Ann Support Desk');
    assert.equal(cleanName('\uFEFF  Ann   Lee \u2066x\u2069 '), 'Ann Lee x');
  });

  it('keeps letters of every script, and cuts a long name with an ellipsis', () => {
    assert.equal(cleanName('Zoë Łukasz 山田 محمد'), 'Zoë Łukasz 山田 محمد');
    const long = cleanName('a'.repeat(200));
    assert.equal([...long].length, MAX_NAME_LENGTH);
    assert.ok(long.endsWith('…'));
    assert.equal(cleanName(long), long, 'cleaning twice changes nothing, so both sides of the proof agree');
  });
});
