import assert from 'node:assert/strict';
import { faultOwner } from './faults.js';

/** An error whose stack has the given frames, as V8 prints them. */
function thrown(message: string, ...frames: string[]): Error {
  const error = new Error(message);
  error.stack = [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n');
  return error;
}

describe('faultOwner', () => {
  const dirs = ['/opt/ra/plugins/a', '/opt/ra/plugins/ab'];

  it('finds the plugin from an ESM frame (file URL) and from a CommonJS frame (path)', () => {
    assert.equal(faultOwner(thrown('x', 'Timeout._onTimeout (file:///opt/ra/plugins/ab/index.js:3:9)'), dirs), '/opt/ra/plugins/ab');
    assert.equal(faultOwner(thrown('x', 'run (/opt/ra/plugins/a/dist/x.js:1:1)'), dirs), '/opt/ra/plugins/a');
  });

  it('blames the plugin closest to the throw', () => {
    const error = thrown('x', 'helper (file:///opt/ra/plugins/ab/lib.js:1:1)', 'caller (file:///opt/ra/plugins/a/index.js:2:2)');
    assert.equal(faultOwner(error, dirs), '/opt/ra/plugins/ab');
  });

  it('blames nobody for frames outside every plugin folder, a path in the message, or a value without a stack', () => {
    assert.equal(faultOwner(thrown('x', 'JSON.parse (<anonymous>)', 'listOnTimeout (node:internal/timers:581:17)'), dirs), undefined);
    assert.equal(faultOwner(thrown('cannot read /opt/ra/plugins/a/x.json', 'f (/srv/app.js:1:1)'), dirs), undefined);
    assert.equal(faultOwner(thrown('x', 'f (/opt/ra/plugins/abc/index.js:1:1)'), dirs), undefined);
    assert.equal(faultOwner('late', dirs), undefined);
  });
});
