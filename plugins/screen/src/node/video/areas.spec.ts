import assert from 'node:assert/strict';
import { LossyBlocks } from '../../common/lossy-blocks.js';
import { dueAreas, toBlocks } from './areas.js';

const screen = { width: 100, height: 50 };

describe('screen video areas: 16×16 blocks shown as video and their exact top-off', () => {
  it('grows areas to whole blocks within the screen, and many into one', () => {
    assert.deepEqual(toBlocks([{ x: 5, y: 3, width: 20, height: 10 }], screen, 4), [{ x: 0, y: 0, width: 32, height: 16 }]);
    assert.deepEqual(toBlocks([{ x: 90, y: 40, width: 10, height: 10 }], screen, 4), [{ x: 80, y: 32, width: 20, height: 18 }]);
    const many = Array.from({ length: 5 }, (_, i) => ({ x: i * 20, y: 0, width: 1, height: 1 }));
    assert.deepEqual(toBlocks(many, screen, 4), [{ x: 0, y: 0, width: 96, height: 16 }]);
  });

  it('marks every block an area touches and clears only blocks exact pixels cover whole', () => {
    const lossy = new LossyBlocks(screen);
    lossy.mark({ x: 10, y: 10, width: 10, height: 10 });
    assert.equal(lossy.count, 4);
    lossy.clear({ x: 0, y: 0, width: 24, height: 24 });
    assert.equal(lossy.count, 3, 'only the block at 0,0 is covered whole');
    lossy.clear({ x: 0, y: 0, width: 32, height: 32 });
    assert.equal(lossy.count, 0);
    lossy.mark({ x: 96, y: 48, width: 4, height: 2 });
    lossy.clear({ x: 96, y: 48, width: 4, height: 2 });
    assert.equal(lossy.count, 0, "a block cut by the screen's edge is covered up to the edge");
  });

  it('clears a block that several exact rects covered between them, and forgets their parts when video marks it again', () => {
    const lossy = new LossyBlocks(screen);
    lossy.mark({ x: 16, y: 16, width: 16, height: 16 });
    lossy.clear({ x: 0, y: 0, width: 20, height: 40 });
    lossy.clear({ x: 20, y: 0, width: 40, height: 24 });
    assert.equal(lossy.count, 1, 'the bottom right quarter is not covered yet');
    lossy.mark({ x: 16, y: 16, width: 1, height: 1 });
    lossy.clear({ x: 20, y: 24, width: 12, height: 8 });
    assert.equal(lossy.count, 1, 'video came again: the earlier parts no longer count');
    lossy.clear({ x: 16, y: 16, width: 4, height: 16 });
    lossy.clear({ x: 20, y: 16, width: 12, height: 8 });
    assert.equal(lossy.count, 0);
  });

  it('tops off still blocks as few rectangles, newest changes later, at most so many blocks', () => {
    const lossy = new LossyBlocks(screen);
    lossy.mark({ x: 0, y: 0, width: 48, height: 32 }, 10);
    lossy.mark({ x: 64, y: 0, width: 16, height: 16 }, 90);
    assert.deepEqual(dueAreas(lossy, 50, 100), [{ x: 0, y: 0, width: 48, height: 32 }]);
    assert.deepEqual(dueAreas(lossy, 100, 100), [
      { x: 64, y: 0, width: 16, height: 16 },
      { x: 0, y: 0, width: 48, height: 32 },
    ]);
    assert.equal(
      dueAreas(lossy, 100, 2).reduce((sum, r) => sum + (r.width * r.height) / 256, 0),
      2,
    );
  });
});
