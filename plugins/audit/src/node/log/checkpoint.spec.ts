import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { openCheckpoint, signCheckpoint } from './checkpoint.js';

const root = createHash('sha256').update('root').digest();

describe('audit: checkpoints as C2SP signed notes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it('writes the origin, size and root, a blank line, and a signature line; and reads them back', () => {
    const note = signCheckpoint({ origin: 'ra.audit/0123456789abcdef', size: 42, root }, privateKey);
    const lines = note.split('\n');
    assert.deepEqual(lines.slice(0, 4), ['ra.audit/0123456789abcdef', '42', root.toString('base64'), '']);
    assert.match(lines[4], /^— ra\.audit\/0123456789abcdef [A-Za-z0-9+/]+=*$/);
    // The signature: a 4-byte key ID, then Ed25519's 64 bytes.
    assert.equal(Buffer.from(lines[4].split(' ')[2], 'base64').length, 68);
    const opened = openCheckpoint(note, publicKey);
    assert.deepEqual([opened.origin, opened.size, opened.root.equals(root)], ['ra.audit/0123456789abcdef', 42, true]);
  });

  it('refuses a changed size, another key, and text that is not a signed note, saying which', () => {
    const note = signCheckpoint({ origin: 'ra.audit/x', size: 42, root }, privateKey);
    assert.throws(() => openCheckpoint(note.replace('\n42\n', '\n43\n'), publicKey), /its signature does not match what it says/);
    assert.throws(() => openCheckpoint(note, generateKeyPairSync('ed25519').publicKey), /no signature of ra\.audit\/x by this machine's key/);
    assert.throws(() => openCheckpoint('ra.audit/x\n42\n', publicKey), /not a signed note/);
    assert.throws(() => openCheckpoint(note.replace(root.toString('base64'), 'short'), publicKey), /not an origin, a size and a root/);
  });
});
