import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { quietLogger, until } from '@ra/kernel/testing';
import { RecordingLink } from '@ra/plugin-session/testing';
import type { CursorState, ScreenUpdate } from '../common/api.js';
import { ScreenDecoder } from '../common/decoder.js';
import { encodeRefresh } from '../common/frame.js';
import { NodeInflater } from './inflater.js';
import { encodeCaps } from '../common/messages.js';
import { HIGH_WATER_BYTES, MAX_HELD_BYTES, NoviceScreenStream } from './novice-stream.js';
import { scriptedSource } from './testing/scripted-source.js';

const WIDTH = 256;
const HEIGHT = 256;

/** A capture source the test drives: every `paint` changes a 64x64 square to a new colour. */
function source() {
  const { capture, sink, refreshes } = scriptedSource({ width: WIDTH, height: HEIGHT });
  let colour = 0;
  const paint = (x = 0, y = 0): ScreenUpdate => {
    const data = new Uint8Array(64 * 64 * 4).fill(++colour % 251);
    const update = { x, y, width: 64, height: 64, stride: 64 * 4, data };
    sink().update(update);
    return update;
  };
  const move = (x: number, y: number) => sink().cursor({ x, y });
  const shape = (x: number, y: number, image: NonNullable<CursorState['image']>) => sink().cursor({ x, y, image });
  return { capture, paint, move, shape, refreshes };
}

/** A stream on the painted source, once its first frame went out, for a helper that asked for exact pixels only. */
async function started() {
  const link = new RecordingLink();
  const screen = source();
  const stream = new NoviceScreenStream(link, quietLogger);
  stream.receive(encodeCaps({ mode: 'best', codecs: [] }));
  await stream.start(screen.capture, ':0');
  await until(() => link.sent.length === 1, 2000, 'no first frame');
  await settle();
  return { link, screen, stream };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

describe('screen: the novice stream adapts to its reader', () => {
  it('sends each change while the helper keeps up', async () => {
    const { link, screen, stream } = await started();
    const before = link.sent.length;
    screen.paint();
    await until(() => link.sent.length === before + 1, 2000, 'the change was not sent');
    stream.dispose();
  });

  it('holds changes while the link is full, and sends them as one batch when it drains', async () => {
    const { link, screen, stream } = await started();
    const before = link.sent.length;
    link.buffered = HIGH_WATER_BYTES + 1;
    for (let i = 0; i < 10; i++) screen.paint(64 * (i % 4), 64 * Math.floor(i / 4));
    await settle();
    assert.equal(link.sent.length, before, 'nothing is encoded for a stalled helper');
    assert.equal(stream.heldBytes, 10 * 64 * 64 * 4);
    link.drain();
    assert.equal(stream.heldBytes, 0);
    await until(() => link.sent.length === before + 1, 2000, 'what changed meanwhile did not go out');
    await settle();
    assert.equal(link.sent.length, before + 1, 'what changed meanwhile goes out once');
    stream.dispose();
  });

  it('keeps its memory bounded for a stalled helper however much the screen changes, then sends one fresh picture', async () => {
    const { link, screen, stream } = await started();
    const before = link.sent.length;
    link.buffered = HIGH_WATER_BYTES + 1;
    let peak = 0;
    // Twice the bound in changes: a video playing while the helper reads nothing.
    for (let i = 0; i < (2 * MAX_HELD_BYTES) / (64 * 64 * 4); i++) {
      screen.paint();
      peak = Math.max(peak, stream.heldBytes);
    }
    await settle();
    assert.ok(peak <= MAX_HELD_BYTES, `held ${peak} bytes`);
    assert.equal(link.sent.length, before);
    link.drain();
    await settle();
    assert.equal(screen.refreshes(), 1, 'a full picture is asked for once the link drains');
    assert.equal(link.sent.length, before + 1, 'the reset goes out; the refreshed picture follows from capture');
    stream.dispose();
  });

  it('keeps only the newest cursor for a stalled helper and sends it once the link drains', async () => {
    const { link, screen, stream } = await started();
    const before = link.sent.length;
    link.buffered = HIGH_WATER_BYTES + 1;
    for (let i = 0; i < 1000; i++) screen.move(i, i);
    await settle();
    assert.equal(link.sent.length, before, 'no cursor goes to a stalled helper');
    link.drain();
    await until(() => link.sent.length === before + 1, 2000, 'the newest cursor was not sent');
    stream.dispose();
  });

  it("brings the pointer's shape again with a new picture: a page that reloads shows it before the pointer changes", async () => {
    const { link, screen, stream } = await started();
    const image = { width: 2, height: 2, hotX: 0, hotY: 0, rgba: new Uint8Array(16).fill(200) };
    screen.shape(5, 6, image);
    await until(() => link.sent.length === 2, 2000, 'the shape was not sent');
    const helper = new ScreenDecoder(new NodeInflater());
    for (const m of link.sent) await helper.apply(m as Uint8Array);
    stream.receive(encodeRefresh());
    await until(() => link.sent.length >= 4, 2000, 'no new picture');
    const events = [];
    for (const m of link.sent.slice(2)) events.push(await helper.apply(m as Uint8Array));
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.type),
      ['reset', 'cursor'],
    );
    assert.deepEqual([helper.cursor?.x, helper.cursor?.y], [5, 6]);
    assert.deepEqual([...(helper.cursor?.image?.rgba ?? [])], [...image.rgba]);
    stream.dispose();
  });

  it('ignores a drain after it was disposed', async () => {
    const { link, screen, stream } = await started();
    link.buffered = HIGH_WATER_BYTES + 1;
    screen.paint();
    stream.dispose();
    const sent = link.sent.length;
    link.drain();
    await settle();
    assert.equal(link.sent.length, sent);
  });
});
