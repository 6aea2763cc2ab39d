import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { IndicatorActions, IndicatorHelper } from '@ra/plugin-session/api';
import sinon from 'sinon';
import { until } from '@ra/kernel/testing';
import type { ScreenRect } from '@ra/plugin-screen/api';
import { screenshot, startXvfb, withXvfb, type Xvfb } from '@ra/test-kit';
import { DesktopGuards } from './desktop-guard.js';
import { BAR_RGB, BORDER_PX, CONTROLLING_RGB, ROW_PX, WATCHING_RGB } from './indicator-windows.js';
import { InputProbe } from './testing/input-probe.js';
import { Painter } from './testing/painter.js';
import { RecordingSink } from './testing/recording-sink.js';
import { DEFAULT_PROTECTED_WINDOWS } from './window-rules.js';
import { WindowSurvey } from './window-survey.js';
import { X11CaptureSource } from './x11-capture-source.js';
import { X11Indicator } from './x11-indicator.js';
import { X11InputSink } from './x11-input-sink.js';

const run = promisify(execFile);
const ROOT_RGB = 0x336699;
const BANK_RGB = 0x00c853;
const TERMINAL_RGB = 0x8e24aa;
const BANK = { x: 300, y: 300, width: 200, height: 120 };
const hank: IndicatorHelper = { sessionId: 's1', name: 'Hank', rights: ['view'] };

/** The sink's copy of the screen, as 0xRRGGBB at (x, y). */
const seen = (sink: RecordingSink, x: number, y: number) => sink.screen.readUInt32LE((y * sink.geometry.width + x) * 4) & 0xffffff;

/** The indicator's windows on a display, from `xwininfo`. */
async function indicatorGeometries(x: Xvfb): Promise<ScreenRect[]> {
  const tree = (await run('xwininfo', ['-root', '-children'], { env: x.env })).stdout;
  return [...tree.matchAll(/"RA desktop indicator".*?(\d+)x(\d+)\+(\d+)\+(\d+)/g)].map((m) => {
    const [width, height, x, y] = m.slice(1).map(Number);
    return { x, y, width, height };
  });
}

/** Counts the updates in which any pixel is `rgb`, as they come, before the next one paints over them. */
class LeakSink extends RecordingSink {
  leaks = 0;
  constructor(private readonly secret: number) {
    super();
  }
  override update(u: Parameters<RecordingSink['update']>[0]): void {
    const [b, g, r] = [this.secret & 255, (this.secret >> 8) & 255, this.secret >> 16];
    let leaked = false;
    for (let row = 0; row < u.height && !leaked; row++) {
      for (let at = row * u.stride, end = at + u.width * 4; at < end; at += 4) {
        if (u.data[at] === b && u.data[at + 1] === g && u.data[at + 2] === r) {
          leaked = true;
          break;
        }
      }
    }
    if (leaked) this.leaks++;
    super.update(u);
  }
}

describe('the desktop guard and indicator on Xvfb', function () {
  this.timeout(30_000);
  const xvfb = withXvfb({ width: 1024, height: 700 });
  let painter: Painter;
  let guards: DesktopGuards;
  let indicator: X11Indicator;
  let enabled: boolean;
  const pressed: string[] = [];
  const actions: IndicatorActions = { stopControl: (id) => pressed.push(`stop ${id}`), disconnect: (id) => pressed.push(`disconnect ${id}`) };

  beforeEach(async () => {
    painter = await Painter.open(xvfb().display);
    await painter.root(ROOT_RGB);
    guards = new DesktopGuards(() => [...DEFAULT_PROTECTED_WINDOWS, 'My Bank']);
    enabled = true;
    indicator = new X11Indicator({ display: () => xvfb().display, enabled: () => enabled, guards });
    pressed.length = 0;
  });
  afterEach(async () => {
    await indicator.dispose();
    guards.dispose();
    await painter.close();
  });

  const real = () => screenshot(xvfb().env);

  /** Where the indicator's bar is: of its windows, the one thicker than the border both ways. */
  async function barGeometry(): Promise<ScreenRect> {
    const windows = await indicatorGeometries(xvfb());
    return windows.find(({ width, height }) => width > BORDER_PX && height > BORDER_PX) ?? assert.fail(`no bar among ${JSON.stringify(windows)}`);
  }

  it('draws a border and a bar as override-redirect windows: amber while watched, red in control, gone when nobody is connected', async () => {
    await indicator.show([hank], actions);
    let screen = await real();
    assert.equal(screen.rgb(512, 1), WATCHING_RGB, 'top edge');
    assert.equal(screen.rgb(1, 350), WATCHING_RGB, 'left edge');
    assert.equal(screen.rgb(512, 698), WATCHING_RGB, 'bottom edge');
    const tree = (await run('xwininfo', ['-root', '-children'], { env: xvfb().env })).stdout;
    const ids = [...tree.matchAll(/^\s+(0x[0-9a-f]+) .*?(\d+)x(\d+)\+/gm)].map((m) => ({ id: m[1], width: Number(m[2]), height: Number(m[3]) }));
    const bar = ids.find((w) => w.height === 26);
    assert.ok(bar, `a 26-pixel-high bar among the root's children:\n${tree}`);
    assert.match((await run('xwininfo', ['-id', bar.id, '-all'], { env: xvfb().env })).stdout, /Override Redirect State: yes/);

    await indicator.show([{ ...hank, rights: ['view', 'control'] }], actions);
    screen = await real();
    assert.equal(screen.rgb(512, 1), CONTROLLING_RGB);

    await indicator.show([], actions);
    await until(async () => (await real()).rgb(512, 1) === ROOT_RGB, 5000, 'the border is gone');
  });

  it('never shows in the picture helpers get, and keeps a protected window black there', async () => {
    const source = new X11CaptureSource({ guards });
    const sink = new RecordingSink();
    const stream = await source.start(xvfb().display, sink);
    try {
      await indicator.show([hank], actions);
      await painter.window(BANK, BANK_RGB, 'My Bank - Online');
      await until(async () => seen(sink, BANK.x + 10, BANK.y + 10) === 0, 5000, 'the protected window is black in the picture');
      const screen = await real();
      assert.equal(screen.rgb(BANK.x + 10, BANK.y + 10), BANK_RGB, 'the novice sees the window');
      assert.equal(screen.rgb(512, 2), WATCHING_RGB, 'the novice sees the border');
      assert.equal(seen(sink, 512, 2), ROOT_RGB, 'the helper does not');
      assert.equal(seen(sink, 512, BORDER_PX + 10), ROOT_RGB, 'nor the bar');
      assert.equal(seen(sink, BANK.x - 1, BANK.y - 1), ROOT_RGB, 'the rest is as it is');
    } finally {
      await stream.dispose();
    }
  });

  it('drops 100 helper clicks on a protected window and on the bar, lets clicks elsewhere through, and says why', async () => {
    const sink = new X11InputSink(undefined, guards);
    const probe = await InputProbe.open(xvfb().display);
    const target = await sink.open(xvfb().display);
    try {
      await indicator.show([hank], actions);
      const bank = await painter.window(BANK, BANK_RGB, 'My Bank - Online');
      const refusals: string[] = [];
      for (let i = 0; i < 100; i++) {
        const at = { x: BANK.x + 5 + (i % 50) * 3, y: BANK.y + 5 + (i % 7) * 10 };
        await target.pointer({ kind: 'down', button: 'left', ...at }).catch((e: Error) => refusals.push(e.message));
        await target.pointer({ kind: 'up', button: 'left', ...at }).catch(() => undefined);
      }
      await probe.sync();
      assert.equal(refusals.length, 100);
      assert.match(refusals[0], /My Bank - Online is protected on this computer: helper input there is dropped; nothing was injected/);
      assert.equal(probe.strokes.filter((s) => s.type === 'button' && s.down).length, 0, 'no click reached the protected window');

      await assert.rejects(target.pointer({ kind: 'down', button: 'left', x: 512, y: BORDER_PX + 10 }), /RA's desktop indicator is protected/);
      await target.pointer({ kind: 'down', button: 'left', x: 100, y: 100 });
      await target.pointer({ kind: 'up', button: 'left', x: 100, y: 100 });
      await probe.sync();
      assert.equal(probe.strokes.filter((s) => s.type === 'button' && s.down).length, 1, 'a click elsewhere arrives');
      assert.equal(guards.current(xvfb().display) !== undefined, true);

      // Gone, it is no longer protected.
      await painter.destroy(bank);
      await target.pointer({ kind: 'down', button: 'left', x: BANK.x + 5, y: BANK.y + 5 });
      await target.pointer({ kind: 'up', button: 'left', x: BANK.x + 5, y: BANK.y + 5 });
    } finally {
      await target.dispose();
      await probe.close();
    }
  });

  it('shows a window above a protected one and lets helper clicks reach it: only what shows of the protected window is hidden', async () => {
    const sink = new RecordingSink();
    const stream = await new X11CaptureSource({ guards }).start(xvfb().display, sink);
    const probe = await InputProbe.open(xvfb().display);
    const target = await new X11InputSink(undefined, guards).open(xvfb().display);
    try {
      // A protected window as large as the screen, as the novice's browser showing RA's page may be, and a terminal in front of it.
      await painter.window({ x: 0, y: 0, width: 1024, height: 700 }, BANK_RGB, 'My Bank - Online');
      const terminal = { x: 200, y: 150, width: 300, height: 200 };
      await painter.window(terminal, TERMINAL_RGB, 'Terminal');
      await until(() => seen(sink, 350, 250) === TERMINAL_RGB, 5000, 'the terminal in the picture');
      await until(() => seen(sink, 100, 100) === 0, 5000, 'the page around it black');
      await target.pointer({ kind: 'down', button: 'left', x: 350, y: 250 });
      await target.pointer({ kind: 'up', button: 'left', x: 350, y: 250 });
      await assert.rejects(target.pointer({ kind: 'down', button: 'left', x: 100, y: 100 }), /is protected on this computer/);
      await probe.sync();
      assert.equal(probe.strokes.filter((s) => s.type === 'button' && s.down).length, 1, 'the click on the terminal arrived, the one on the page did not');
    } finally {
      await target.dispose();
      await probe.close();
      await stream.dispose();
    }
  });

  it('never sends a frame showing a protected window while it moves about, comes and goes', async () => {
    const sink = new LeakSink(BANK_RGB);
    const stream = await new X11CaptureSource({ guards, sharedMemory: false }).start(xvfb().display, sink);
    try {
      const bank = await painter.window(BANK, BANK_RGB, 'My Bank - Online');
      for (let i = 0; i < 300; i++) {
        await painter.move(bank, (i * 37) % 800, (i * 53) % 560);
        if (i % 10 === 5) await painter.shown(bank, false);
        if (i % 10 === 6) await painter.shown(bank, true);
        if (i % 4 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      await sink.settled();
      assert.ok(sink.updates.length > 20, `${sink.updates.length} updates`);
      assert.equal(sink.leaks, 0, `${sink.leaks} of ${sink.updates.length} updates showed the protected window`);
    } finally {
      await stream.dispose();
    }
  });

  it('gives several helpers a row each with their own Disconnect, and a note row; the taller bar stays out of the picture', async () => {
    const sink = new RecordingSink();
    const stream = await new X11CaptureSource({ guards }).start(xvfb().display, sink);
    try {
      await painter.window(BANK, BANK_RGB, 'My Bank - Online');
      const ann = { sessionId: 's2', name: 'Ann', rights: ['view', 'control'] };
      await indicator.show([hank, ann], actions);
      const env = xvfb().env;
      // Rows: the headline, Hank, Ann, and the note of what is hidden from them.
      const { width, height, x: left, y: top } = await barGeometry();
      assert.equal(height, 4 + 4 * ROW_PX);
      await until(async () => (await real()).rgb(left + 10, top + height - 5) === BAR_RGB, 5000, 'the bar drawn to its last row');
      await sink.settled();
      assert.equal(seen(sink, left + 10, top + height - 5), ROOT_RGB, "the bar's last row is not in the picture");
      const click = (row: number, fromRight: number) =>
        run('xdotool', ['mousemove', String(left + width - fromRight), String(top + 2 + row * ROW_PX + ROW_PX / 2), 'click', '1'], { env });
      await click(2, 20);
      await until(() => pressed.length === 1, 5000, "Ann's Disconnect pressed");
      assert.deepEqual(pressed, ['disconnect s2']);
      await click(0, 20);
      await until(() => pressed.length === 3, 5000, 'Disconnect all pressed');
      assert.deepEqual(pressed.slice(1), ['disconnect s1', 'disconnect s2']);
      await indicator.show([hank], actions);
      assert.equal((await barGeometry()).height, 4 + 2 * ROW_PX, 'the headline and the note');
    } finally {
      await stream.dispose();
    }
  });

  it('shows nothing and lets no press through while the windows cannot be read, and all again once they can', async () => {
    const sink = new RecordingSink();
    const stream = await new X11CaptureSource({ guards }).start(xvfb().display, sink);
    const target = await new X11InputSink(undefined, guards).open(xvfb().display);
    const failing = sinon.stub(WindowSurvey.prototype, 'windows').rejects(new Error('the X server at :9 refused a request: Bad atom'));
    try {
      await (await guards.current(xvfb().display))!.update();
      await assert.rejects(target.pointer({ kind: 'down', button: 'left', x: 100, y: 100 }), /cannot be read \(.*Bad atom\): helper input is dropped/);
      await until(() => seen(sink, 100, 100) === 0 && seen(sink, 900, 600) === 0, 5000, 'the picture black');
      failing.restore();
      await target.pointer({ kind: 'down', button: 'left', x: 100, y: 100 });
      await target.pointer({ kind: 'up', button: 'left', x: 100, y: 100 });
      await until(() => seen(sink, 100, 100) === ROOT_RGB && seen(sink, 900, 600) === ROOT_RGB, 5000, 'the desktop in the picture again');
    } finally {
      failing.restore();
      await target.dispose();
      await stream.dispose();
    }
  });

  it('draws itself again around the screen when it changes size', async () => {
    const small = await startXvfb({ width: 1024, height: 768 });
    const shrinker = await Painter.open(small.display);
    const there = new X11Indicator({ display: () => small.display, enabled: () => true, guards });
    try {
      await there.show([hank], actions);
      await shrinker.shrinkScreen(800, 600);
      await until(async () => (await screenshot(small.env)).rgb(798, 300) === WATCHING_RGB, 5000, 'the right edge at the new size');
      const screen = await screenshot(small.env);
      assert.equal(screen.rgb(400, 598), WATCHING_RGB, 'the bottom edge at the new size');
      assert.equal((await indicatorGeometries(small)).length, 5, 'the old windows gone');
    } finally {
      await there.dispose();
      await shrinker.close();
      await small.stop();
    }
  });

  it("presses the novice's own clicks on its buttons, and hides when the setting is off", async () => {
    await indicator.show([{ ...hank, rights: ['view', 'control'] }], actions);
    // The novice's own mouse: xdotool clicks through XTEST too, but straight to the server, not through RA's guard.
    const env = xvfb().env;
    const tree = (await run('xwininfo', ['-root', '-children'], { env })).stdout;
    const bar = [...tree.matchAll(/^\s+0x[0-9a-f]+ .*?(\d+)x26\+(\d+)\+(\d+)/gm)][0];
    const [width, left, top] = [Number(bar[1]), Number(bar[2]), Number(bar[3])];
    await run('xdotool', ['mousemove', String(left + width - 20), String(top + 13), 'click', '1'], { env });
    await until(() => pressed.includes('disconnect s1'), 5000, 'Disconnect pressed');
    await run('xdotool', ['mousemove', String(left + width - 110), String(top + 13), 'click', '1'], { env });
    await until(() => pressed.includes('stop s1'), 5000, 'Stop Control pressed');

    enabled = false;
    await indicator.refresh();
    await until(async () => (await real()).rgb(512, 1) === ROOT_RGB, 5000, 'hidden by the setting');
  });
});
