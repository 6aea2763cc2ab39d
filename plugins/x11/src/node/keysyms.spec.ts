import assert from 'node:assert/strict';
import { characterOf, keysymFor } from './keysyms.js';

const keysym = (key: string, code = '') => keysymFor({ key, code });

describe('keysymFor', () => {
  it('gives Latin-1 characters their own code and other characters their Unicode keysym', () => {
    assert.equal(keysym('a', 'KeyA'), 0x61);
    assert.equal(keysym('A', 'KeyA'), 0x41);
    assert.equal(keysym(' ', 'Space'), 0x20);
    assert.equal(keysym('~'), 0x7e);
    assert.equal(keysym('é'), 0xe9);
    assert.equal(keysym('€'), 0x10020ac);
    assert.equal(keysym('中'), 0x1004e2d);
    assert.equal(keysym('😀'), 0x101f600);
  });

  it('names the browser’s named keys as X does', () => {
    assert.equal(keysym('Enter', 'Enter'), 0xff0d);
    assert.equal(keysym('Backspace'), 0xff08);
    assert.equal(keysym('Escape'), 0xff1b);
    assert.equal(keysym('PageDown'), 0xff56);
    assert.equal(keysym('ArrowLeft'), 0xff51);
    assert.equal(keysym('F1'), 0xffbe);
    assert.equal(keysym('F12'), 0xffc9);
    assert.equal(keysym('F24'), 0xffd5);
    assert.equal(keysym('AltGraph', 'AltRight'), 0xfe03);
  });

  it('tells left from right modifiers by code, and makes Meta the Super key', () => {
    assert.equal(keysym('Shift', 'ShiftLeft'), 0xffe1);
    assert.equal(keysym('Shift', 'ShiftRight'), 0xffe2);
    assert.equal(keysym('Control', 'ControlRight'), 0xffe4);
    assert.equal(keysym('Alt', 'AltLeft'), 0xffe9);
    assert.equal(keysym('Meta', 'MetaLeft'), 0xffeb);
    assert.equal(keysym('Shift'), 0xffe1);
  });

  it('knows no keysym for keys the browser could not name, control characters or clusters', () => {
    for (const key of ['Unidentified', '', 'Dead', 'F25', 'Process', '\u0007', '\u0085', 'é'.normalize('NFD'), '👍🏽']) {
      assert.equal(keysym(key), undefined, JSON.stringify(key));
    }
  });
});

describe('characterOf', () => {
  it('reads the character back from Latin-1 and Unicode keysyms, and nothing from the others', () => {
    for (const c of ['a', 'Z', '~', ' ', 'é', 'ÿ', '€', '中', '😀']) assert.equal(characterOf(keysymFor({ key: c, code: '' })!), c);
    for (const keysym of [0xff0d, 0xffe1, 0x1008ff12, 0x7f, 0x9f, 0x06c1]) assert.equal(characterOf(keysym), undefined, keysym.toString(16));
  });
});
