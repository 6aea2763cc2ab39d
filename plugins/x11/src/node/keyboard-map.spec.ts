import assert from 'node:assert/strict';
import { choosePlace, KeyboardMap, type Modifiers } from './keyboard-map.js';

// From keycode 8: a spare, Shift_L alone, 'a'/'A', '1'/'!', another spare, '/'/'?', Tab/ISO_Left_Tab.
const MAP = new KeyboardMap(8, [
  [0, 0, 0],
  [0xffe1, 0, 0xffe1],
  [0x61, 0x41, 0x61],
  [0x31, 0x21, 0x31],
  [0, 0, 0],
  [0x2f, 0x3f, 0x2f],
  [0xff09, 0xfe20],
]);

describe('KeyboardMap', () => {
  it('places a keysym on its keycode with the Shift level it needs, and knows which levels Caps Lock swaps', () => {
    assert.deepEqual(MAP.places(0x61), [{ keycode: 10, shift: 'up', caps: true }]);
    assert.deepEqual(MAP.places(0x41), [{ keycode: 10, shift: 'down', caps: true }]);
    assert.deepEqual(MAP.places(0x21), [{ keycode: 11, shift: 'down', caps: false }]);
  });

  it('reads a keysym alone in column 0 as both levels', () => {
    assert.deepEqual(MAP.places(0xffe1), [{ keycode: 9, shift: 'either', caps: false }]);
  });

  it('flips Shift for the other level, where Caps Lock counts for letters only', () => {
    const flips = (keysym: number, modifiers: Modifiers) => choosePlace(MAP.places(keysym), modifiers).flipShift;
    const none = { shift: false, lock: false };
    assert.deepEqual([flips(0x61, none), flips(0x41, none), flips(0x21, none), flips(0xffe1, none)], [false, true, true, false]);
    assert.deepEqual([flips(0x61, { shift: true, lock: false }), flips(0x41, { shift: true, lock: false })], [true, false]);
    assert.deepEqual(
      [flips(0x41, { shift: false, lock: true }), flips(0x21, { shift: false, lock: true }), flips(0xff09, { shift: false, lock: true })],
      [false, true, false],
    );
    assert.deepEqual([flips(0x61, { shift: true, lock: true }), flips(0x2f, { shift: true, lock: true })], [false, true]);
  });

  it('finds nothing for a keysym the map lacks, and lists the spare keycodes highest first', () => {
    assert.deepEqual(MAP.places(0xe9), []);
    assert.deepEqual(MAP.spares(), [12, 8]);
    assert.deepEqual(MAP.row(13), [0x2f, 0x3f, 0x2f]);
  });
});
