/** Screen codec benchmark: bytes and milliseconds for typing, full frames and decoding. Not a spec. */
import { performance } from 'node:perf_hooks';
import type { ScreenUpdate } from '../common/api.js';
import { ScreenDecoder } from '../common/decoder.js';
import { busyDesktop, CELL_HEIGHT, CELL_WIDTH, INFLATERS, plainDesktop, randomText, Terminal, type Canvas } from '../node/testing/codec-fixtures.js';
import { ScreenEncoder } from '../node/encoder.js';

const RUNS = 7;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Encodes batches into a new stream: the messages after the reset, and each batch's encode time. */
async function encodeStream(canvas: Canvas, batches: ScreenUpdate[][]): Promise<{ messages: Uint8Array[]; reset: Uint8Array; ms: number[] }> {
  const encoder = new ScreenEncoder();
  const reset = encoder.reset(canvas);
  const messages: Uint8Array[] = [];
  const ms: number[] = [];
  for (const batch of batches) {
    const start = performance.now();
    const message = await encoder.encode(batch);
    ms.push(performance.now() - start);
    if (message) messages.push(message);
  }
  encoder.dispose();
  return { messages, reset, ms };
}

/** Decode time of every inflater for the messages after `skip`. */
async function decodeMs(reset: Uint8Array, messages: Uint8Array[], skip = 0): Promise<number[]> {
  const times: number[] = [];
  for (const [, inflater] of INFLATERS) {
    const decoder = new ScreenDecoder(inflater());
    await decoder.apply(reset);
    for (const message of messages.slice(0, skip)) await decoder.apply(message);
    const start = performance.now();
    for (const message of messages.slice(skip)) await decoder.apply(message);
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * A 40-character line typed into a fresh terminal, `perBatch` characters per batch; the first batch is the
 * full frame. Each batch holds a copy of its pixels, as the capture would have sent them at that moment.
 */
function typedLine(perBatch: number, seed: number): { canvas: Canvas; batches: ScreenUpdate[][] } {
  const terminal = new Terminal();
  const text = randomText(40, seed);
  const batches: ScreenUpdate[][] = [[{ ...terminal.canvas.full(), data: terminal.canvas.data.slice() }]];
  for (let i = 0; i < text.length; i += perBatch) {
    const x = terminal.column * CELL_WIDTH;
    for (const char of text.slice(i, i + perBatch)) terminal.type(char);
    const update = terminal.canvas.update(x, terminal.y, (terminal.column + 1) * CELL_WIDTH - x, CELL_HEIGHT);
    batches.push([{ ...update, data: update.data.slice() }]);
  }
  return { canvas: terminal.canvas, batches };
}

async function typing(perBatch: number): Promise<void> {
  const bytes: number[] = [];
  const encode: number[] = [];
  const decode: number[][] = [];
  for (let seed = 1; seed <= RUNS; seed++) {
    const { canvas, batches } = typedLine(perBatch, seed);
    const { messages, reset, ms } = await encodeStream(canvas, batches);
    bytes.push(messages.slice(1).reduce((sum, m) => sum + m.length, 0));
    encode.push(...ms.slice(1));
    decode.push((await decodeMs(reset, messages, 1)).map((t) => t / (messages.length - 1)));
  }
  console.log(
    `typed 40-char line, ${perBatch} per batch (${Math.ceil(40 / perBatch)} messages): ` +
      `mean ${Math.round(bytes.reduce((a, b) => a + b) / bytes.length)} B, max ${Math.max(...bytes)} B over ${RUNS} lines; ` +
      `encode ${median(encode).toFixed(3)} ms/batch; decode ${decode[0].map((_, i) => median(decode.map((d) => d[i])).toFixed(3)).join(' / ')} ms/batch (median)`,
  );
}

async function frame(name: string, canvas: Canvas): Promise<void> {
  const encode: number[] = [];
  const decode: number[][] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const { messages, reset, ms } = await encodeStream(canvas, [[canvas.full()]]);
    bytes = messages[0].length;
    encode.push(ms[0]);
    decode.push(await decodeMs(reset, messages));
  }
  console.log(
    `${name} ${canvas.width}×${canvas.height}: ${bytes} B; encode ${median(encode).toFixed(1)} ms (first, cold: ${encode[0].toFixed(1)}); ` +
      `decode ${decode[0].map((_, i) => median(decode.map((d) => d[i])).toFixed(1)).join(' / ')} ms (median)`,
  );
}

console.log(`decode times: ${INFLATERS.map(([name]) => name).join(' / ')}`);
await typing(1);
await typing(8);
await typing(40);
await frame('plain desktop', plainDesktop());
await frame('busy desktop (gradient wallpaper whose noise alone is ~280 KB of entropy)', busyDesktop());
