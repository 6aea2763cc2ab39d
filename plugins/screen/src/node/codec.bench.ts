/** Screen codec benchmark: bytes and milliseconds for typing, full frames and decoding. Not a spec. */
import { performance } from 'node:perf_hooks';
import type { ScreenUpdate } from '@ra/kernel';
import { ScreenDecoder } from '../common/decoder.js';
import type { Inflater } from '../common/inflater.js';
import { StreamInflater } from '../browser/inflater.js';
import { busyDesktop, plainDesktop, randomText, Terminal, type Canvas } from './codec-fixtures.js';
import { ScreenEncoder } from './encoder.js';
import { NodeInflater } from './inflater.js';

const RUNS = 7;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

/** Encodes batches into a fresh stream; per-batch encode times and all messages. */
async function encodeStream(geometry: Canvas, batches: ScreenUpdate[][]): Promise<{ messages: Uint8Array[]; ms: number[] }> {
  const encoder = new ScreenEncoder();
  const messages = [encoder.reset(geometry)];
  const ms: number[] = [];
  for (const batch of batches) {
    const [message, elapsed] = await timed(() => encoder.encode(batch));
    if (message) messages.push(message);
    ms.push(elapsed);
  }
  encoder.dispose();
  return { messages, ms };
}

async function decodeAll(inflater: Inflater, messages: Uint8Array[]): Promise<number> {
  const decoder = new ScreenDecoder(inflater);
  await decoder.apply(messages[0]);
  const [, elapsed] = await timed(async () => {
    for (const message of messages.slice(1)) await decoder.apply(message);
  });
  return elapsed;
}

function typing(perBatch: number): { canvas: Canvas; batches: ScreenUpdate[][] } {
  const terminal = new Terminal();
  const text = randomText(40, 1);
  const batches: ScreenUpdate[][] = [[terminal.canvas.full()]];
  for (let i = 0; i < text.length; i += perBatch) {
    const first = terminal.column;
    for (const char of text.slice(i, i + perBatch)) terminal.type(char);
    const x = first * 8;
    batches.push([terminal.canvas.update(x, terminal.y, (terminal.column + 1) * 8 - x, 13)]);
  }
  return { canvas: terminal.canvas, batches };
}

async function reportTyping(perBatch: number): Promise<void> {
  const { canvas, batches } = typing(perBatch);
  const bytes: number[] = [];
  const ms: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const result = await encodeStream(canvas, batches);
    bytes.push(result.messages.slice(2).reduce((sum, m) => sum + m.length, 0));
    ms.push(median(result.ms.slice(1)));
  }
  console.log(`typing 40 chars, ${perBatch} per batch: ${median(bytes)} B for the line in ${batches.length - 1} messages, encode ${median(ms).toFixed(3)} ms per batch (median)`);
}

async function reportFrame(name: string, canvas: Canvas): Promise<void> {
  const encodeMs: number[] = [];
  const nodeMs: number[] = [];
  const streamMs: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const { messages, ms } = await encodeStream(canvas, [[canvas.full()]]);
    bytes = messages[1].length;
    encodeMs.push(ms[0]);
    nodeMs.push(await decodeAll(new NodeInflater(), messages));
    streamMs.push(await decodeAll(new StreamInflater(), messages));
  }
  console.log(
    `${name} 1920×1080: ${bytes} B, encode ${median(encodeMs).toFixed(1)} ms, ` +
      `decode ${median(nodeMs).toFixed(1)} ms (node zlib) / ${median(streamMs).toFixed(1)} ms (DecompressionStream)`,
  );
}

await reportTyping(1);
await reportTyping(8);
await reportTyping(40);
await reportFrame('plain desktop', plainDesktop());
await reportFrame('busy desktop', busyDesktop());
