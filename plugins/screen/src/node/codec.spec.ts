import assert from 'node:assert/strict';
import { constants, inflateRawSync } from 'node:zlib';
import type { ScreenUpdate } from '../common/api.js';
import { ScreenDecoder, type ScreenEvent } from '../common/decoder.js';
import { ByteReader, SYNC_FLUSH_TAIL } from '../common/frame.js';
import type { Inflater } from '../common/inflater.js';
import { Canvas, INFLATERS, random, type Rgb } from './testing/codec-fixtures.js';
import { ScreenEncoder } from './encoder.js';
import { NodeInflater } from './inflater.js';

/** The mode byte and colour count of the first rect of `update`, encoded alone in a new stream. */
async function firstRect(update: ScreenUpdate): Promise<{ mode: number; colours?: number }> {
  const encoder = new ScreenEncoder();
  encoder.reset({ width: update.x + update.width, height: update.y + update.height });
  const message = await encoder.encode([update]);
  encoder.dispose();
  assert.ok(message);
  const outer = new ByteReader(message, 'message');
  const length = outer.varint();
  const data = Buffer.concat([message.subarray(outer.offset), SYNC_FLUSH_TAIL]);
  const payload = new ByteReader(inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH }), 'payload');
  assert.equal(payload.bytes.length, length);
  payload.u8();
  for (let i = 0; i < 4; i++) payload.varint();
  const mode = payload.u8();
  return mode === 1 ? { mode, colours: payload.u8() + 1 } : { mode };
}

/** Fills a rect with pixels drawn from `colours`, each used at least once when the rect is large enough. */
function scatter(canvas: Canvas, x: number, y: number, width: number, height: number, colours: Rgb[], seed: number): void {
  const next = random(seed);
  let i = 0;
  for (let r = y; r < y + height; r++) {
    for (let c = x; c < x + width; c++, i++) canvas.set(c, r, colours[i < colours.length ? i : Math.floor(next() * colours.length)]);
  }
}

/** `count` distinct colours. */
function palette(count: number, seed: number): Rgb[] {
  const next = random(seed);
  const base = Math.floor(next() * 0xffffff);
  return Array.from({ length: count }, (_, i): Rgb => {
    const colour = (base + i * 0x010307) & 0xffffff;
    return [colour >> 16, (colour >> 8) & 255, colour & 255];
  });
}

/** A gradient with noise: thousands of colours, like a photo. */
function photo(canvas: Canvas, x: number, y: number, width: number, height: number, seed: number): void {
  const next = random(seed);
  for (let r = y; r < y + height; r++) {
    for (let c = x; c < x + width; c++) canvas.set(c, r, [(c * 3 + next() * 20) & 255, (r * 2 + next() * 20) & 255, ((c + r) * 5) & 255]);
  }
}

class Session {
  readonly encoder = new ScreenEncoder();
  readonly decoder: ScreenDecoder;
  canvas: Canvas;
  bytes = 0;

  constructor(inflater: Inflater, width: number, height: number) {
    this.decoder = new ScreenDecoder(inflater);
    this.canvas = new Canvas(width, height);
  }

  async reset(width = this.canvas.width, height = this.canvas.height): Promise<void> {
    if (width !== this.canvas.width || height !== this.canvas.height) this.canvas = new Canvas(width, height);
    await this.decoder.apply(this.encoder.reset(this.canvas));
  }

  async send(updates: ScreenUpdate[]): Promise<ScreenEvent> {
    const message = await this.encoder.encode(updates);
    assert.ok(message, 'a non-empty batch makes a message');
    this.bytes += message.length;
    return this.decoder.apply(message);
  }

  same(): void {
    assert.ok(Buffer.from(this.decoder.framebuffer.buffer).equals(this.canvas.rgba()), 'decoded picture differs from the screen');
  }

  dispose(): void {
    this.encoder.dispose();
  }
}

for (const [name, inflater] of INFLATERS) {
  describe(`screen codec round trip (${name})`, () => {
    let session: Session;
    beforeEach(async () => {
      session = new Session(inflater(), 320, 200);
      await session.reset();
    });
    afterEach(() => session.dispose());

    it('sends the first full frame and then knows the picture is complete', async () => {
      photo(session.canvas, 0, 0, 320, 100, 1);
      const event = await session.send([session.canvas.full()]);
      assert.deepEqual(event, {
        type: 'update',
        dirty: [
          { x: 0, y: 0, width: 320, height: 64 },
          { x: 0, y: 64, width: 320, height: 64 },
          { x: 0, y: 128, width: 320, height: 64 },
          { x: 0, y: 192, width: 320, height: 8 },
        ],
        complete: true,
      });
      assert.equal(session.decoder.complete, true);
      session.same();
    });

    it('counts a frame complete only once every pixel arrived', async () => {
      await session.send([session.canvas.update(0, 0, 320, 100)]);
      assert.equal(session.decoder.complete, false);
      const event = await session.send([session.canvas.update(0, 100, 320, 100)]);
      assert.equal(event.type === 'update' && event.complete, true);
      session.same();
    });

    it('codes solid, 2-, 4-, 16- and 256-colour rects as palettes and photos as raw', async () => {
      await session.send([session.canvas.full()]);
      for (const count of [1, 2, 3, 4, 11, 16, 17, 200, 256]) {
        scatter(session.canvas, 10, 20, 60, 40, palette(count, count), count);
        assert.deepEqual(await firstRect(session.canvas.update(10, 20, 60, 40)), { mode: 1, colours: count });
        await session.send([session.canvas.update(10, 20, 60, 40)]);
        session.same();
      }
      photo(session.canvas, 0, 0, 64, 64, 2);
      assert.deepEqual(await firstRect(session.canvas.update(0, 0, 64, 64)), { mode: 0 });
      await session.send([session.canvas.update(0, 0, 64, 64)]);
      session.same();
    });

    it('round-trips random rects of odd sizes, at the edges, over many batches of one stream', async () => {
      const next = random(7);
      await session.send([session.canvas.full()]);
      for (let batch = 0; batch < 60; batch++) {
        const updates: ScreenUpdate[] = [];
        for (let i = 0; i < 1 + Math.floor(next() * 3); i++) {
          const width = 1 + Math.floor(next() * 130);
          const height = 1 + Math.floor(next() * 70);
          const edge = next();
          const x = edge < 0.2 ? 320 - width : edge < 0.3 ? 0 : Math.floor(next() * (320 - width + 1));
          const y = edge < 0.2 ? 200 - height : edge < 0.3 ? 0 : Math.floor(next() * (200 - height + 1));
          const kind = batch % 4;
          if (kind === 0) photo(session.canvas, x, y, width, height, batch);
          else if (kind === 1) session.canvas.fill(x, y, width, height, palette(1, batch)[0]);
          else scatter(session.canvas, x, y, width, height, palette(kind === 2 ? 2 : 16, batch), batch);
          updates.push(session.canvas.update(x, y, width, height));
        }
        await session.send(updates);
        session.same();
      }
    });

    it('reuses earlier messages: a repeated rect costs a back-reference', async () => {
      await session.send([session.canvas.full()]);
      scatter(session.canvas, 0, 0, 64, 64, palette(16, 3), 3);
      const first = await session.encoder.encode([session.canvas.update(0, 0, 64, 64)]);
      scatter(session.canvas, 100, 100, 64, 64, palette(16, 3), 3);
      const again = await session.encoder.encode([session.canvas.update(100, 100, 64, 64)]);
      assert.ok(first && again);
      assert.ok(first.length > 1000 && again.length < 40, `first ${first.length} B, again ${again.length} B`);
      await session.decoder.apply(first);
      await session.decoder.apply(again);
      session.same();
    });

    it('starts over on a reset mid-stream, also with a new size', async () => {
      photo(session.canvas, 0, 0, 320, 200, 4);
      await session.send([session.canvas.full()]);
      await session.reset(200, 120);
      assert.equal(session.decoder.complete, false);
      assert.deepEqual(session.decoder.geometry, { width: 200, height: 120 });
      scatter(session.canvas, 0, 0, 200, 120, palette(4, 5), 5);
      await session.send([session.canvas.full()]);
      session.same();
      await session.reset();
      await session.send([session.canvas.full()]);
      session.same();
    });

    it('reads updates whose rows are not 4-byte aligned', async () => {
      photo(session.canvas, 0, 0, 320, 200, 6);
      const { x, y, width, height, stride, data } = session.canvas.update(5, 7, 33, 21);
      const shifted = new Uint8Array(data.length + 1).subarray(1);
      shifted.set(data);
      await session.send([session.canvas.full()]);
      await session.send([{ x, y, width, height, stride, data: shifted }]);
      session.same();
    });

    it('keeps the cursor: moves keep the last shape', async () => {
      const rgba = new Uint8Array(16 * 24 * 4).map((_, i) => i * 7);
      const shaped = await session.encoder.cursor({ x: 10, y: -3, image: { width: 16, height: 24, hotX: 2, hotY: 3, rgba } });
      const moved = await session.encoder.cursor({ x: 300, y: 150 });
      assert.ok(shaped && moved);
      assert.equal(moved.length, 6);
      const event = await session.decoder.apply(shaped);
      assert.equal(event.type === 'cursor' && event.shapeChanged, true);
      await session.decoder.apply(moved);
      const cursor = session.decoder.cursor;
      assert.equal(cursor?.x, 300);
      assert.equal(cursor?.y, 150);
      assert.deepEqual({ ...cursor?.image, rgba: undefined }, { width: 16, height: 24, hotX: 2, hotY: 3, rgba: undefined });
      assert.deepEqual(cursor?.image?.rgba, rgba);
    });
  });
}

describe('ScreenEncoder', () => {
  const canvas = new Canvas(100, 50);

  it('has nothing to send for an empty batch', async () => {
    const encoder = new ScreenEncoder();
    encoder.reset(canvas);
    assert.equal(await encoder.encode([]), undefined);
    encoder.dispose();
  });

  it('refuses to encode before a reset, and updates outside the screen', async () => {
    const encoder = new ScreenEncoder();
    await assert.rejects(encoder.encode([canvas.full()]), /call reset\(\) before encoding/);
    encoder.reset({ width: 50, height: 50 });
    await assert.rejects(encoder.encode([canvas.full()]), /lies outside the 50×50 screen/);
    assert.ok(await encoder.encode([canvas.update(0, 0, 50, 50)]), 'the stream is still usable');
    encoder.dispose();
  });

  it('drops batches still being compressed when a reset starts a new stream', async () => {
    const encoder = new ScreenEncoder();
    encoder.reset(canvas);
    const stale = encoder.encode([canvas.full()]);
    const reset = encoder.reset(canvas);
    const fresh = await encoder.encode([canvas.full()]);
    assert.equal(await stale, undefined);
    const decoder = new ScreenDecoder(new NodeInflater());
    await decoder.apply(reset);
    assert.ok(fresh);
    await decoder.apply(fresh);
    assert.equal(decoder.complete, true);
    encoder.dispose();
  });
});
