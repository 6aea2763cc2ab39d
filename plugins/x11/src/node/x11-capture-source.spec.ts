import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { ScreenUpdate } from '@ra/plugin-screen/api';
import { until } from '@ra/kernel/testing';
import { describeCaptureSourceContract } from '@ra/plugin-screen/testing';
import { screenshot, startXvfb, withXvfb, type Xvfb } from '@ra/test-kit';
import { Painter } from './testing/painter.js';
import { RecordingSink } from './testing/recording-sink.js';
import { X11CaptureSource } from './x11-capture-source.js';
import type { X11CaptureStream } from './x11-capture-stream.js';

const run = promisify(execFile);

/** A TCP "X server" that accepts connections and never says a word, on the first free display number. */
async function silentServer(): Promise<{ server: Server; display: string }> {
  for (let n = 50; n < 100; n++) {
    const server = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(6000 + n, '127.0.0.1', () => resolve(true));
    });
    if (listening) return { server, display: `127.0.0.1:${n}` };
  }
  throw new Error('no free TCP port between 6050 and 6099 for a silent X server');
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(message)))]);
}
const xdotool = (x: Xvfb, ...args: string[]) => run('xdotool', args, { env: x.env });

/** Streams started in a check, disposed after it whatever happened. */
function streams(): (s: X11CaptureStream) => X11CaptureStream {
  const started: X11CaptureStream[] = [];
  afterEach(() => Promise.all(started.splice(0).map((s) => s.dispose())));
  return (s) => (started.push(s), s);
}

function bounds(updates: readonly ScreenUpdate[]): { x: number; y: number; width: number; height: number } {
  const x = Math.min(...updates.map((u) => u.x));
  const y = Math.min(...updates.map((u) => u.y));
  return { x, y, width: Math.max(...updates.map((u) => u.x + u.width)) - x, height: Math.max(...updates.map((u) => u.y + u.height)) - y };
}

describe('X11CaptureSource on Xvfb', function () {
  this.timeout(30_000);

  describe('contract', () => {
    const xvfb = withXvfb({ width: 640, height: 480, xterm: true });
    describeCaptureSourceContract('x11 through MIT-SHM', async () => ({ source: new X11CaptureSource(), display: xvfb().display }));
    describeCaptureSourceContract('x11 through core GetImage', async () => ({
      source: new X11CaptureSource({ sharedMemory: false }),
      display: xvfb().display,
    }));
  });

  describe('pixels', () => {
    const xvfb = withXvfb({ width: 800, height: 600, xterm: true });
    const track = streams();
    let painter: Painter;
    before(async () => {
      painter = await Painter.open(xvfb().display);
      await painter.root(0x3366cc);
    });
    after(() => painter?.close());

    it('reads through MIT-SHM on a local display, through GetImage when told', async () => {
      const shm = track(await new X11CaptureSource().start(xvfb().display, new RecordingSink()));
      const core = track(await new X11CaptureSource({ sharedMemory: false }).start(xvfb().display, new RecordingSink()));
      assert.equal(shm.grabMethod, 'shm');
      assert.equal(core.grabMethod, 'core');
    });

    it('match an xwd screenshot, and MIT-SHM and GetImage give the same bytes', async () => {
      const shmSink = new RecordingSink();
      const coreSink = new RecordingSink();
      track(await new X11CaptureSource().start(xvfb().display, shmSink));
      track(await new X11CaptureSource({ sharedMemory: false }).start(xvfb().display, coreSink));
      assert.ok(Buffer.from(shmSink.updates[0].data).equals(Buffer.from(coreSink.updates[0].data)), 'the first full frames differ');

      // A known region drawn after the start arrives as damage.
      const orange = { x: 500, y: 350, width: 160, height: 90 };
      await painter.window(orange, 0xff8800);
      await until(() => shmSink.rgb(580, 400) === 0xff8800 && coreSink.rgb(580, 400) === 0xff8800, 2000, 'the orange window was not captured');
      await Promise.all([shmSink.settled(), coreSink.settled()]);
      assert.ok(shmSink.screen.equals(coreSink.screen), 'the screens built from MIT-SHM and from GetImage differ');

      const shot = await screenshot(xvfb().env);
      assert.deepEqual([shot.width, shot.height], [800, 600]);
      let mismatches = 0;
      for (let y = 0; y < 600; y++) for (let x = 0; x < 800; x++) if (shot.rgb(x, y) !== shmSink.rgb(x, y)) mismatches++;
      assert.equal(mismatches, 0, `${mismatches} pixels differ from xwd`);
      assert.equal(shot.rgb(orange.x, orange.y), 0xff8800);
      assert.equal(shot.rgb(orange.x + orange.width, orange.y), 0x3366cc);
    });
  });

  describe('shadow', () => {
    const xvfb = withXvfb({ width: 640, height: 480 });
    const track = streams();

    it('repainting the same pixels sends nothing, a new colour sends the screen', async () => {
      const painter = await Painter.open(xvfb().display);
      try {
        await painter.root(0x204060);
        const sink = new RecordingSink();
        track(await new X11CaptureSource().start(xvfb().display, sink));
        await sink.settled();
        const from = sink.updates.length;
        // Clearing the root damages all of it; the pixels stay what they were.
        await painter.root(0x204060);
        await sleep(300);
        assert.equal(sink.updates.length, from, 'identical pixels were sent again');
        await painter.root(0x604020);
        await until(() => sink.rgb(320, 240) === 0x604020, 2000, 'the new colour was not sent');
      } finally {
        await painter.close();
      }
    });
  });

  describe('damage', () => {
    const xvfb = withXvfb({ width: 1024, height: 768, xterm: true });
    const track = streams();

    it('typing into the xterm updates only a small region near the text', async () => {
      const sink = new RecordingSink();
      track(await new X11CaptureSource().start(xvfb().display, sink));
      await xdotool(xvfb(), 'mousemove', '100', '100');
      await sink.settled();
      const from = sink.updates.length;
      await xdotool(xvfb(), 'type', '--delay', '20', 'echo ra was here');
      await until(() => sink.updates.length > from, 2000, 'typing produced no update');
      await sink.settled();
      const typed = sink.updates.slice(from);
      const box = bounds(typed);
      const area = typed.reduce((sum, u) => sum + u.width * u.height, 0);
      // 16 characters of about 6×13 pixels, on the prompt line near the xterm's top-left corner.
      assert.ok(box.height <= 30 && box.width <= 200, `typing updated ${box.width}x${box.height} at ${box.x},${box.y}`);
      assert.ok(box.x >= 40 && box.y >= 40 && box.y < 80, `the typed text is not where the prompt is: ${box.x},${box.y}`);
      // At most the typed character and the text cursor beside it, per character.
      assert.ok(area <= 16 * 2 * 8 * 16, `typing sent ${area} pixels in ${typed.length} updates`);
    });

    // Its CPU cost is measured by bench:screen, not here: a timed spec only measures its neighbours.
    it('an idle desktop sends nothing', async () => {
      const sink = new RecordingSink();
      track(await new X11CaptureSource().start(xvfb().display, sink));
      await sink.settled(500);
      const updates = sink.updates.length;
      const cursors = sink.cursors.length;
      await sleep(1500);
      assert.equal(sink.updates.length, updates, 'updates came from an idle desktop');
      assert.equal(sink.cursors.length, cursors, 'cursor news came while the pointer rested');
    });

    it('sends the cursor shape from XFIXES and follows the pointer', async () => {
      const sink = new RecordingSink();
      track(await new X11CaptureSource().start(xvfb().display, sink));
      assert.ok(sink.cursors[0]?.image, 'start() sent no cursor image');

      // Over the bare root window X shows its default cursor, an opaque black and white cross.
      await xdotool(xvfb(), 'mousemove', '700', '600');
      await until(() => sink.cursors.some((c) => c.x === 700 && c.y === 600), 2000, 'the pointer move was not sent');
      const root = sink.cursors.findLast((c) => c.image)!.image!;
      assert.equal(root.rgba.length, root.width * root.height * 4);
      assert.ok(root.hotX < root.width && root.hotY < root.height, `hotspot ${root.hotX},${root.hotY} lies outside the ${root.width}x${root.height} cursor`);
      assert.ok(
        root.rgba.some((v, i) => i % 4 === 3 && v === 255),
        'the root cursor is all transparent',
      );

      // Into the xterm: XFIXES reports its I-beam.
      const from = sink.cursors.length;
      await xdotool(xvfb(), 'mousemove', '120', '120');
      await until(() => sink.cursors.slice(from).some((c) => c.image && c.x === 120 && c.y === 120), 2000, 'the xterm cursor shape was not sent');
    });
  });

  describe('screen changes and failures', () => {
    const track = streams();

    it('follows a RandR resize with resize() and the whole new screen', async () => {
      const xvfb = await startXvfb({ width: 1024, height: 768 });
      const painter = await Painter.open(xvfb.display).catch(async (e) => {
        await xvfb.stop();
        throw e;
      });
      try {
        const sink = new RecordingSink();
        const stream = track(await new X11CaptureSource().start(xvfb.display, sink));
        const from = sink.updates.length;
        await painter.shrinkScreen(800, 600);
        await until(() => sink.updates.slice(from).some((u) => u.width === 800 && u.height === 600), 2000, 'no full update of the new size');
        assert.deepEqual(sink.resizes.at(-1), { width: 800, height: 600 });
        assert.deepEqual(stream.geometry, { width: 800, height: 600 });
      } finally {
        await painter.close();
        await xvfb.stop();
      }
    });

    it('available() is false for a display nobody serves, within about 2 s', async () => {
      const source = new X11CaptureSource();
      const started = Date.now();
      assert.equal(await source.available(':4242'), false);
      assert.equal(await source.available('no display'), false);
      assert.ok(Date.now() - started < 3000, `available() took ${Date.now() - started} ms`);
    });

    it('available() gives up on a server that never answers after 2 s, and hangs up', async () => {
      const { server, display } = await silentServer();
      try {
        // Reading is what notices the other end hung up.
        const hungUp = new Promise<void>((resolve) => server.on('connection', (socket) => socket.on('close', resolve).resume()));
        const started = Date.now();
        assert.equal(await new X11CaptureSource().available(display), false);
        const took = Date.now() - started;
        assert.ok(took >= 1900 && took < 3000, `available() answered after ${took} ms`);
        await within(hungUp, 1000, 'available() left the connection open');
      } finally {
        server.close();
      }
    });

    it('reports ended() once when the X server dies, and throws nothing', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      const xvfb = await startXvfb({ width: 320, height: 240 });
      try {
        const sink = new RecordingSink();
        const stream = track(await new X11CaptureSource().start(xvfb.display, sink));
        await xvfb.stop();
        await until(() => sink.endings.length > 0, 2000, 'ended() was not called');
        await sleep(200);
        assert.deepEqual(sink.endings, [`the X server at ${xvfb.display} closed the connection`]);
        stream.refresh();
        await stream.dispose();
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await xvfb.stop();
      }
    });
  });
});
