import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureSink, CaptureSource, CaptureStream, CursorState, ScreenGeometry, ScreenUpdate } from '../common/api.js';
import { checkIdAndTitle, describeContract, until, type Contract, type Fixture } from '@ra/kernel/testing';

export interface CaptureSourceFixture extends Fixture {
  readonly source: CaptureSource;
  /** A display the source can capture on this machine. */
  readonly display: string;
  /** How long a frame may take to arrive; 2000 ms when left out. */
  readonly frameTimeoutMs?: number;
}

type SinkEvent =
  | { readonly kind: 'resize'; readonly geometry: ScreenGeometry }
  | { readonly kind: 'update'; readonly update: ScreenUpdate; readonly geometry?: ScreenGeometry }
  | { readonly kind: 'cursor'; readonly state: CursorState };

/** Records every sink call, each update with the geometry in force when it came. */
class RecordingSink implements CaptureSink {
  readonly events: SinkEvent[] = [];
  private geometry?: ScreenGeometry;

  resize(geometry: ScreenGeometry): void {
    this.geometry = { width: geometry.width, height: geometry.height };
    this.events.push({ kind: 'resize', geometry: this.geometry });
  }
  update(update: ScreenUpdate): void {
    this.events.push({ kind: 'update', update, geometry: this.geometry });
  }
  cursor(state: CursorState): void {
    this.events.push({ kind: 'cursor', state });
  }
  updates(from = 0): Extract<SinkEvent, { kind: 'update' }>[] {
    return this.events.slice(from).filter((e) => e.kind === 'update');
  }
}

const frameTimeout = (f: CaptureSourceFixture) => f.frameTimeoutMs ?? 2000;

/** Starts capturing, waits for the first update, runs `body`, and always disposes the stream. */
async function withStream(f: CaptureSourceFixture, body: (sink: RecordingSink, stream: CaptureStream) => Promise<void>): Promise<void> {
  assert.ok(await f.source.available(f.display), `fixture display '${f.display}' must be available`);
  const sink = new RecordingSink();
  const stream = await f.source.start(f.display, sink);
  try {
    await until(() => sink.updates().length > 0, frameTimeout(f), 'start() delivered no update');
    await body(sink, stream);
  } finally {
    await stream.dispose();
  }
}

/** The rules every CaptureSource keeps; each check is exported so a spec can call it directly. */
export const captureSourceContract: Contract<CaptureSourceFixture> = {
  'has an id a manifest can declare and a title': async (f) => checkIdAndTitle(f.source),

  'available() resolves a boolean': async (f) => {
    assert.equal(typeof (await f.source.available(f.display)), 'boolean', 'available() must resolve true or false');
  },

  'start() sends the screen size before any update, then an update': (f) =>
    withStream(f, async (sink, stream) => {
      const first = sink.events.find((e) => e.kind !== 'cursor');
      assert.equal(first?.kind, 'resize', 'the first resize must come before the first update');
      const last = sink.events.filter((e) => e.kind === 'resize').at(-1)!;
      for (const side of [last.geometry.width, last.geometry.height]) {
        assert.ok(Number.isInteger(side) && side > 0, `screen sides must be positive integers, not ${side}`);
      }
      assert.deepEqual({ ...stream.geometry }, last.geometry, 'stream.geometry must be the size last sent');
    }),

  'updates lie inside the screen and carry all their pixels': (f) =>
    withStream(f, async (sink) => {
      await sleep(50);
      for (const { update, geometry } of sink.updates()) checkUpdate(update, geometry);
    }),

  'refresh() repaints the whole screen': (f) =>
    withStream(f, async (sink, stream) => {
      const from = sink.events.length;
      const coverage = new Coverage(stream.geometry);
      let seen = from;
      stream.refresh();
      await until(
        () => {
          for (; seen < sink.events.length; seen++) {
            const e = sink.events[seen];
            if (e.kind === 'update') coverage.add(e.update);
          }
          return coverage.complete();
        },
        frameTimeout(f),
        'refresh() did not repaint the whole screen',
      );
    }),

  'dispose() stops every sink call, and a second dispose() is harmless': (f) =>
    withStream(f, async (sink, stream) => {
      await stream.dispose();
      const calls = sink.events.length;
      await sleep(Math.min(frameTimeout(f), 300));
      assert.equal(sink.events.length, calls, 'the sink was called after dispose()');
      await stream.dispose();
    }),
};

/** Registers the CaptureSource contract as a mocha suite; `factory` runs once per check. */
export function describeCaptureSourceContract(name: string, factory: () => Promise<CaptureSourceFixture>): void {
  describeContract(`${name}: CaptureSource contract`, captureSourceContract, factory);
}

function checkUpdate(u: ScreenUpdate, g: ScreenGeometry | undefined): void {
  const where = `update ${u.width}x${u.height} at ${u.x},${u.y}`;
  assert.ok(g, `${where} came before any resize`);
  for (const n of [u.x, u.y, u.width, u.height, u.stride]) assert.ok(Number.isInteger(n) && n >= 0, `${where}: ${n} is no pixel count`);
  assert.ok(u.width > 0 && u.height > 0, `${where} is empty`);
  assert.ok(u.x + u.width <= g.width && u.y + u.height <= g.height, `${where} leaves the ${g.width}x${g.height} screen`);
  assert.ok(u.stride >= u.width * 4, `${where}: stride ${u.stride} is shorter than a row of BGRX pixels`);
  const needed = u.stride * (u.height - 1) + u.width * 4;
  assert.ok(u.data.byteLength >= needed, `${where}: ${u.data.byteLength} bytes of pixels, ${needed} needed`);
}

/** Which pixels of the screen some update has painted. */
class Coverage {
  private readonly painted: Uint8Array;
  private remaining: number;

  constructor(private readonly geometry: ScreenGeometry) {
    this.painted = new Uint8Array(geometry.width * geometry.height);
    this.remaining = this.painted.length;
  }

  add(u: ScreenUpdate): void {
    const right = Math.min(u.x + u.width, this.geometry.width);
    const bottom = Math.min(u.y + u.height, this.geometry.height);
    for (let y = Math.max(u.y, 0); y < bottom; y++) {
      for (let x = Math.max(u.x, 0); x < right; x++) {
        const i = y * this.geometry.width + x;
        this.remaining -= 1 - this.painted[i];
        this.painted[i] = 1;
      }
    }
  }

  complete(): boolean {
    return this.remaining === 0;
  }
}
