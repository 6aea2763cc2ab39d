import assert from 'node:assert/strict';
import type { CaptureSink, CaptureSource, CaptureStream, ScreenGeometry, ScreenUpdate } from '../common/api.js';
import { captureSourceContract, describeCaptureSourceContract, type CaptureSourceFixture } from './capture-contract.js';
import { failingChecks } from '@ra/kernel/testing';

const DISPLAY = ':test';
const SCREEN: ScreenGeometry = { width: 64, height: 48 };

/** How a broken stream deviates from the honest one. */
interface Flaws {
  updateBeforeResize?: boolean;
  /** Added to the width of every update. */
  overhang?: number;
  /** Bytes missing from every update's pixels. */
  shortData?: number;
  refreshIgnored?: boolean;
  disposeIgnored?: boolean;
  disposeOnce?: boolean;
}

/** A synthetic screen: a full frame first, then an 8x8 square moving every 10 ms. */
class PatternStream implements CaptureStream {
  readonly geometry = SCREEN;
  private readonly timer: NodeJS.Timeout;
  private frame = 0;
  private disposed = false;

  constructor(
    private readonly sink: CaptureSink,
    private readonly flaws: Flaws,
  ) {
    if (!flaws.updateBeforeResize) sink.resize(SCREEN);
    this.paint(0, 0, SCREEN.width, SCREEN.height);
    if (flaws.updateBeforeResize) sink.resize(SCREEN);
    this.timer = setInterval(() => this.paint((this.frame * 4) % (SCREEN.width - 8), 20, 8, 8), 10);
  }

  refresh(): void {
    if (!this.flaws.refreshIgnored) this.paint(0, 0, SCREEN.width, SCREEN.height);
  }

  dispose(): void {
    if (this.disposed && this.flaws.disposeOnce) throw new Error('stream already disposed');
    this.disposed = true;
    if (!this.flaws.disposeIgnored) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private paint(x: number, y: number, width: number, height: number): void {
    this.frame += 1;
    const stride = width * 4;
    const data = new Uint8Array(stride * height - (this.flaws.shortData ?? 0)).fill(this.frame % 256);
    const update: ScreenUpdate = { x, y, width: width + (this.flaws.overhang ?? 0), height, stride, data };
    this.sink.update(update);
  }
}

class PatternSource implements CaptureSource {
  readonly id = 'test-pattern';
  readonly title = 'Test pattern';
  readonly streams: PatternStream[] = [];

  constructor(private readonly flaws: Flaws = {}) {}

  async available(display: string): Promise<boolean> {
    return display === DISPLAY;
  }

  async start(display: string, sink: CaptureSink): Promise<CaptureStream> {
    if (!(await this.available(display))) throw new Error(`display ${display} cannot be captured here`);
    const stream = new PatternStream(sink, this.flaws);
    this.streams.push(stream);
    return stream;
  }
}

/** The fixture stops every timer itself, so a stream that ignores dispose() cannot outlive the check. */
function fixture(source: PatternSource): CaptureSourceFixture {
  return { source, display: DISPLAY, frameTimeoutMs: 500, dispose: () => source.streams.forEach((s) => s.stop()) };
}

const BOOLEAN = 'available() resolves a boolean';
const START = 'start() sends the screen size before any update, then an update';
const INSIDE = 'updates lie inside the screen and carry all their pixels';
const REFRESH = 'refresh() repaints the whole screen';
const DISPOSE = 'dispose() stops every sink call, and a second dispose() is harmless';

const BROKEN: { what: string; source: () => PatternSource; fails: string[] }[] = [
  { what: 'an update before the first resize', source: () => new PatternSource({ updateBeforeResize: true }), fails: [START, INSIDE] },
  { what: 'updates hanging off the right edge', source: () => new PatternSource({ overhang: 1 }), fails: [INSIDE] },
  { what: 'updates a byte short of their pixels', source: () => new PatternSource({ shortData: 1 }), fails: [INSIDE] },
  { what: 'refresh() ignored', source: () => new PatternSource({ refreshIgnored: true }), fails: [REFRESH] },
  { what: 'dispose() that leaves capture running', source: () => new PatternSource({ disposeIgnored: true }), fails: [DISPOSE] },
  { what: 'dispose() that throws the second time', source: () => new PatternSource({ disposeOnce: true }), fails: [DISPOSE] },
  {
    what: "available() answering 'yes'",
    source: () => Object.assign(new PatternSource(), { available: async () => 'yes' as unknown as boolean }),
    fails: [BOOLEAN],
  },
];

describeCaptureSourceContract('test pattern', async () => fixture(new PatternSource()));

describe('CaptureSource contract', function () {
  this.timeout(10_000);
  for (const b of BROKEN) {
    it(`fails a source with ${b.what}`, async () => {
      assert.deepEqual(await failingChecks(captureSourceContract, async () => fixture(b.source())), b.fails);
    });
  }
});
