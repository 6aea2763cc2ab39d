import assert from 'node:assert/strict';
import type { ScreenUpdate } from '../common/api.js';
import { ScreenDecoder } from '../common/decoder.js';
import { CELL_HEIGHT, CELL_WIDTH, randomText, Terminal } from './testing/codec-fixtures.js';
import { ScreenEncoder } from './encoder.js';
import { NodeInflater } from './inflater.js';

/**
 * The bar (shared/anchors/x11-capture-and-baselines.md §4): x0vncserver sends ~350–400 B for a typed
 * 40-character xterm line, and RA must stay within 1.5× of that. Here each character is its own batch,
 * the worst case; the VNC figure came from xdotool bursts that reach the server as a few updates.
 */
const BAR = 525;
const LINES = 5;

/** Types `LINES` random lines, `perBatch` characters per batch; the bytes of each line, checked by decoding. */
async function typeLines(perBatch: number, split = false): Promise<number[]> {
  const totals: number[] = [];
  for (let seed = 1; seed <= LINES; seed++) {
    const terminal = new Terminal();
    const encoder = new ScreenEncoder();
    const decoder = new ScreenDecoder(new NodeInflater());
    await decoder.apply(encoder.reset(terminal.canvas));
    const full = await encoder.encode([terminal.canvas.full()]);
    assert.ok(full);
    await decoder.apply(full);
    const text = randomText(40, seed);
    let total = 0;
    for (let i = 0; i < text.length; i += perBatch) {
      const x = terminal.column * CELL_WIDTH;
      let updates: ScreenUpdate[] = [];
      for (const char of text.slice(i, i + perBatch)) updates = terminal.type(char, split);
      // Several characters per batch: the capture reports the damaged span of the line.
      if (perBatch > 1) updates = [terminal.canvas.update(x, terminal.y, (terminal.column + 1) * CELL_WIDTH - x, CELL_HEIGHT)];
      const message = await encoder.encode(updates);
      assert.ok(message);
      total += message.length;
      await decoder.apply(message);
    }
    assert.ok(Buffer.from(decoder.framebuffer.buffer).equals(terminal.canvas.rgba()), 'the line decodes exactly');
    encoder.dispose();
    totals.push(total);
  }
  return totals;
}

function summary(totals: number[]): string {
  return `mean ${Math.round(totals.reduce((a, b) => a + b) / totals.length)} B, max ${Math.max(...totals)} B over ${totals.length} lines`;
}

describe('screen codec on typed text', () => {
  it(`keeps a 40-character line typed one character per batch under ${BAR} B`, async () => {
    const union = await typeLines(1);
    const split = await typeLines(1, true);
    console.log(`      one char per batch: ${summary(union)}; glyph and cursor as two rects: ${summary(split)}`);
    assert.ok(Math.max(...union, ...split) <= BAR, `${summary(union)} / ${summary(split)}`);
  });

  it('keeps the line under 350 B when typing reaches the encoder 8 characters per batch', async () => {
    const totals = await typeLines(8);
    console.log(`      8 chars per batch: ${summary(totals)}`);
    assert.ok(Math.max(...totals) <= 350, summary(totals));
  });
});
