import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { cursorState, PointerWatch } from './cursor.js';

describe('cursor', () => {
  it('turns premultiplied ARGB32 into straight RGBA, with hotspot and position', () => {
    // Little-endian ARGB32 pixels as bytes B, G, R, A: opaque red, half-transparent white, transparent.
    const argb = Buffer.from([0, 0, 255, 255, 128, 128, 128, 128, 0, 0, 0, 0]);
    const state = cursorState({ x: 10, y: 20, width: 3, height: 1, xhot: 1, yhot: 0, cursorImage: argb });
    assert.deepEqual(
      { ...state, image: { ...state.image, rgba: [...state.image.rgba] } },
      {
        x: 10,
        y: 20,
        image: { width: 3, height: 1, hotX: 1, hotY: 0, rgba: [255, 0, 0, 255, 255, 255, 255, 128, 0, 0, 0, 0] },
      },
    );
  });

  it('cuts a cursor larger than the stream carries around its hotspot', () => {
    const side = 300;
    const argb = Buffer.alloc(side * side * 4);
    // One opaque green pixel at the hotspot (280, 20): it must stay under the new hotspot.
    argb.set([0, 255, 0, 255], (20 * side + 280) * 4);
    const { image } = cursorState({ x: 0, y: 0, width: side, height: side, xhot: 280, yhot: 20, cursorImage: argb });
    assert.deepEqual([image.width, image.height, image.hotX, image.hotY], [256, 256, 236, 20]);
    assert.deepEqual([...image.rgba.subarray((image.hotY * 256 + image.hotX) * 4, (image.hotY * 256 + image.hotX) * 4 + 4)], [0, 255, 0, 255]);
  });

  it('PointerWatch asks once per burst of motion and reports only moves', async () => {
    const positions = [
      { x: 1, y: 1 },
      { x: 1, y: 1 },
      { x: 5, y: 6 },
    ];
    let asked = 0;
    const moves: [number, number][] = [];
    const watch = new PointerWatch(
      async () => positions[Math.min(asked++, positions.length - 1)],
      (x, y) => moves.push([x, y]),
    );
    watch.seen(0, 0);
    for (let i = 0; i < 10; i++) watch.motion();
    await sleep(30);
    assert.equal(asked, 2, 'ten motion events in a burst: one query, then one after it');
    watch.motion();
    await sleep(30);
    watch.dispose();
    assert.deepEqual(moves, [
      [1, 1],
      [5, 6],
    ]);
  });
});
