import assert from 'node:assert/strict';
import { quietLogger, until } from '@ra/kernel/testing';
import { RecordingLink } from '@ra/plugin-session/testing';
import { ScreenDecoder, type ScreenEvent } from '../common/decoder.js';
import type { ScreenGeometry, ScreenRect } from '../common/api.js';
import { ByteReader, encodeRefresh, MessageKind } from '../common/frame.js';
import { encodeCaps, encodeHelperSync, readVideo, VideoCodec, type PictureMode, type VideoFrame } from '../common/messages.js';
import { NodeInflater } from './inflater.js';
import { HIGH_WATER_BYTES, MAX_HELPER_MESSAGES, NoviceScreenStream } from './novice-stream.js';
import { scriptedSource } from './testing/scripted-source.js';
import sinon from 'sinon';
import { LanePool } from './video/lane-pool.js';
import { VideoLane } from './video/video-lane.js';
import { REFINE_MS } from './video/video-path.js';

const W = 480;
const H = 320;

/** A photo-like screen: gradients with noise, which exact pixels cost ~3 bytes each for. */
function photo(shift: number, width = W, height = H): Uint8Array {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const noise = Math.imul((x + shift) * 31 + y, 2654435761) >>> 28;
      pixels.set([(x + shift + noise) & 255, (y * 2 + noise) & 255, ((x + y) / 2 + noise) & 255, 0], i);
    }
  }
  return pixels;
}

/**
 * The way to the helper: how long it takes to answer a mark (answers held up on the way, or, `page`, a page slow to
 * paint, which says so), and a link that carries `bytesPerSecond` (0: as fast as it comes), marks after what went before.
 */
interface Way {
  delayMs: number;
  page: boolean;
  bytesPerSecond: number;
}

/** The novice's stream on a source the test paints, and a helper that decodes what comes and answers each mark. */
async function pair(mode: PictureMode, lanes = new LanePool(), size: ScreenGeometry = { width: W, height: H }, way: Partial<Way> = {}) {
  /** What the novice's screen shows now, BGRX. */
  const screen = photo(0, size.width, size.height);
  const answer: Way = { delayMs: 0, page: false, bytesPerSecond: 0, ...way };
  let free = 0;
  const levels: number[] = [];
  const link = new RecordingLink();
  const { capture, sink, refreshes } = scriptedSource(size, screen.slice());
  const stream = new NoviceScreenStream(link, quietLogger, lanes);
  const helper = new ScreenDecoder(new NodeInflater());
  const kinds: string[] = [];
  const videos: VideoFrame[] = [];
  let read = 0;
  let exactAt = 0;
  const pump = setInterval(() => {
    for (; read < link.sent.length; read++) {
      const message = link.sent[read] as Uint8Array;
      const kind = message[0] === 0 ? Object.keys(MessageKind)[message[1] & 15] : 'update';
      kinds.push(kind);
      if (answer.bytesPerSecond) free = Math.max(free, performance.now()) + (message.byteLength * 1000) / answer.bytesPerSecond;
      const delivered = free;
      if (kind === 'video') videos.push(readVideo(new ByteReader(message.subarray(2), 'video'), size));
      void helper.apply(message).then((event: ScreenEvent) => {
        if (event.type === 'sync') {
          levels.push(event.mark.quality);
          const n = encodeHelperSync(event.mark.n, answer.page ? answer.delayMs : 0);
          const delay = answer.delayMs + Math.max(0, delivered - performance.now());
          if (delay) setTimeout(() => stream.receive(n), delay);
          else stream.receive(n);
        }
        if (helper.exact && !exactAt) exactAt = performance.now();
        if (!helper.exact) exactAt = 0;
      });
    }
  }, 2);
  stream.receive(encodeCaps({ mode, codecs: [VideoCodec.vp9] }));
  await stream.start(capture, ':0');
  const p = {
    stream,
    link,
    helper,
    kinds,
    videos,
    refreshes,
    answer,
    levels,
    /** Shows these pixels in this part of the screen (all of it by default). */
    show: (pixels: Uint8Array, { x, y, width, height }: ScreenRect = { x: 0, y: 0, ...size }) => {
      for (let row = 0; row < height; row++) screen.set(pixels.subarray(row * width * 4, (row + 1) * width * 4), ((y + row) * size.width + x) * 4);
      sink().update({ x, y, width, height, stride: width * 4, data: pixels });
    },
    /** A scroll over the photo: all of it moves by `shift`. */
    paint: (shift: number) => p.show(photo(shift, size.width, size.height)),
    /** Whether the helper's picture is exactly the screen's. */
    same: () => {
      const got = helper.snapshot().rgba;
      for (let i = 0; i < size.width * size.height; i++) {
        if (got[i * 4] !== screen[i * 4 + 2] || got[i * 4 + 1] !== screen[i * 4 + 1] || got[i * 4 + 2] !== screen[i * 4]) return false;
      }
      return true;
    },
    exactAt: () => exactAt,
    stop: () => {
      clearInterval(pump);
      stream.dispose();
    },
  };
  return p;
}

describe('screen: the hybrid stream (real ffmpeg), big changes as video, exact once still', function () {
  this.timeout(20_000);

  it('sends the first picture as video, then its exact pixels, bit-exact within 500 ms of the screen going still', async () => {
    const p = await pair('automatic');
    try {
      await until(() => p.helper.exact, 5000, 'the picture never became exact');
      assert.deepEqual(p.kinds.filter((k) => k !== 'sync').slice(0, 3), ['reset', 'video', 'video'], `key frame, then the first picture: ${p.kinds.join(' ')}`);
      assert.ok(p.same());
      // A scroll over the photo: a big change again, as video, then exact.
      const before = p.kinds.length;
      p.paint(40);
      const stillAt = performance.now();
      await until(() => p.kinds.length > before && p.helper.exact, 5000, 'the scroll never became exact');
      assert.ok(p.kinds.slice(before).includes('video'), `the scroll went as ${p.kinds.slice(before).join(' ')}`);
      assert.ok(p.same(), 'exactly the novice pixels');
      const exactMs = p.exactAt() - stillAt;
      assert.ok(exactMs <= 500 && exactMs >= REFINE_MS, `bit-exact ${Math.round(exactMs)} ms after the screen went still`);
    } finally {
      p.stop();
    }
  });

  it('coarsens the video on a link that queues, keeps the picture going, and sharpens it again once the link is calm', async function () {
    this.timeout(40_000);
    // A link of 100 KB/s, less than the video would take: its marks queue behind its frames.
    const p = await pair('automatic', undefined, undefined, { bytesPerSecond: 100_000 });
    let shift = 0;
    const moving = setInterval(() => p.paint((shift += 8)), 40);
    try {
      await until(() => p.levels.some((l) => l > 0), 10_000, 'no video');
      await until(() => p.levels.at(-1)! >= 2, 10_000, `the quality never went down: ${p.levels.join(' ')}`);
      // A new picture (a page that reloads, a refresh) starts sharp again: a coarse whole picture would wait for its exact pixels.
      const before = p.kinds.length;
      p.stream.receive(encodeRefresh());
      await until(() => p.kinds.slice(before).includes('reset'), 5000, 'no new picture');
      const from = p.levels.length;
      await until(() => p.levels.length > from, 5000, 'no mark after the new picture');
      assert.equal(p.levels[from], 1, 'the new picture is at the sharpest step');
      await until(() => p.levels.at(-1)! >= 2, 10_000, `the quality never went down again: ${p.levels.slice(from).join(' ')}`);
      p.answer.bytesPerSecond = 0;
      await until(() => p.levels.at(-1) === 1, 20_000, `the quality never came back: ${p.levels.slice(-20).join(' ')}`);
      clearInterval(moving);
      await until(() => p.helper.exact && p.same(), 5000, 'the picture never became exact');
      console.log(
        `      figures: quality steps in turn ${p.levels.filter((l, i) => l !== p.levels[i - 1]).join(' → ')}; ${p.kinds.filter((k) => k === 'video').length} video messages`,
      );
    } finally {
      clearInterval(moving);
      p.stop();
    }
  });

  it('slows frames down for a page slow to paint them, or a busy computer on the way, without coarsening them', async function () {
    this.timeout(30_000);
    // Coarser frames would neither paint faster nor pass a busy relay faster when the link itself has room.
    for (const page of [true, false]) {
      // Answers take 20 ms, as on a LAN; the first picture's exact pixels show what the link carries.
      const p = await pair('automatic', undefined, undefined, { delayMs: 20 });
      await until(() => p.helper.exact, 5000, 'the first picture never became exact');
      let shift = 0;
      const moving = setInterval(() => p.paint((shift += 8)), 40);
      try {
        await until(() => p.levels.some((l) => l > 0), 5000, 'no video');
        Object.assign(p.answer, { delayMs: 300, page });
        const from = p.levels.length;
        await new Promise((r) => setTimeout(r, 5000));
        const marks = p.levels.slice(from);
        // At most one frame beyond the one the page is on: two per 300 ms answer, not the 25 a second the screen changes.
        assert.ok(marks.length >= 5 && marks.length <= 40, `frames did not keep pace with the answers: ${marks.length} marks in 5 s`);
        assert.ok(
          marks.every((l) => l === 1),
          `the quality went down (${page ? 'a slow page' : 'a busy way'}): ${marks.join(' ')}`,
        );
      } finally {
        clearInterval(moving);
        p.stop();
      }
    }
  });

  it('encodes only the part of the screen where a film plays, and the whole screen again once a change leaves it', async function () {
    this.timeout(30_000);
    const lanes = new LanePool();
    const take = sinon.spy(lanes, 'take');
    const screen = { width: 1280, height: 720 };
    const p = await pair('automatic', lanes, screen);
    const film = { x: 400, y: 200, width: 320, height: 240 };
    let shift = 0;
    const playing = setInterval(() => p.show(photo((shift += 8), film.width, film.height), film), 40);
    try {
      await until(() => p.videos.some((v) => v.x > 0), 10_000, 'the encoder never shrank to the film');
      clearInterval(playing);
      const sizes = take.getCalls().map((c) => c.args[0]);
      assert.deepEqual(sizes.at(-1), { width: 384, height: 320 }, 'the film grown to whole blocks, with a margin');
      const framed = p.videos.filter((v) => !v.key && v.x > 0);
      for (const v of framed) assert.ok(v.x <= film.x && v.y <= film.y && v.rects.every((r) => r.x >= v.x && r.y >= v.y));
      await until(() => p.helper.exact && p.same(), 5000, 'the film never became exact');
      // A scroll of the whole photo: the small encoder cannot show it; exactly at once, then the whole screen's encoder.
      const before = p.videos.length;
      p.paint(24);
      await until(() => p.helper.exact && p.same(), 5000, 'the scroll never became exact');
      // Scrolling on: once the whole screen's encoder is primed, the scroll goes as its video.
      const scrolling = setInterval(() => p.paint((shift += 24)), 300);
      try {
        await until(() => p.videos.slice(before).some((v) => !v.key && v.rects.some((r) => r.width === screen.width)), 5000, 'no whole-screen video again');
      } finally {
        clearInterval(scrolling);
      }
      assert.deepEqual(take.lastCall.args[0], screen);
      await until(() => p.helper.exact && p.same(), 5000, 'the last scroll never became exact');
    } finally {
      clearInterval(playing);
      p.stop();
      lanes.dispose();
    }
  });

  it('moves a plain animation exactly while the link keeps up, and as video once the link holds its changes', async function () {
    this.timeout(20_000);
    const p = await pair('automatic');
    const cartoon = { x: 80, y: 40, width: 320, height: 240 };
    /** Text-like strokes on white, moved by `shift`: plain tiles that keep changing. */
    const frame = (shift: number) => {
      const pixels = new Uint8Array(cartoon.width * cartoon.height * 4).fill(255);
      for (let i = 0; i < cartoon.width * cartoon.height; i++)
        if (Math.floor(i / cartoon.width) % 12 < 8 && (i + shift) % 7 < 2) pixels.fill(0, i * 4, i * 4 + 3);
      return pixels;
    };
    let shift = 0;
    // From the first picture on, off the 16-pixel grid: exact pixels around it must clear the video of the first picture.
    const playing = setInterval(() => p.show(frame(++shift), cartoon), 40);
    try {
      await until(() => p.helper.exact, 5000, 'the first picture never became exact');
      const before = p.kinds.length;
      await new Promise((r) => setTimeout(r, 800));
      assert.ok(!p.kinds.slice(before).includes('video'), `exact while the link keeps up: ${p.kinds.slice(before).join(' ')}`);
      // The link holds what it is given for a moment: the changes meanwhile wait, then go as video, and so does what follows.
      p.link.buffered = HIGH_WATER_BYTES + 1;
      await new Promise((r) => setTimeout(r, 200));
      const full = p.kinds.length;
      p.link.drain();
      await until(
        () => p.kinds.slice(full).filter((k) => k === 'video').length >= 5,
        5000,
        `no video once the link was full: ${p.kinds.slice(full).join(' ')}`,
      );
      clearInterval(playing);
      await until(() => p.helper.exact && p.same(), 5000, 'the animation never became exact');
    } finally {
      clearInterval(playing);
      p.stop();
    }
  });

  it('lets a typed character past changes the page has not applied yet, unless it overlaps one still held', async function () {
    this.timeout(20_000);
    const p = await pair('automatic');
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const area = { x: 200, y: 100, width: 160, height: 120 };
    /** Text-like strokes on white, different each time: a plain change big enough to be followed by a mark. */
    const text = (n: number) => {
      const pixels = new Uint8Array(area.width * area.height * 4).fill(255);
      for (let i = 0; i < area.width * area.height; i++) if ((i + n) % 5 === 0) pixels.fill(0, i * 4, i * 4 + 3);
      return pixels;
    };
    const glyph = (at: { x: number; y: number }) => ({ ...at, width: 8, height: 16 });
    const white = new Uint8Array(8 * 16 * 4).fill(255);
    const shows = ({ x, y }: { x: number; y: number }) => {
      const rgba = p.helper.snapshot().rgba;
      for (let row = y; row < y + 16; row++) for (let col = x; col < x + 8; col++) if (rgba[(row * W + col) * 4 + 1] !== 255) return false;
      return true;
    };
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      await sleep(300);
      // The page stops answering: three marked changes are out, and the fourth waits.
      p.answer.delayMs = 3000;
      for (let n = 1; n <= 4; n++) {
        p.show(text(n), area);
        await sleep(20);
      }
      const apart = { x: 8, y: 8 };
      const over = { x: 210, y: 110 };
      p.show(white, glyph(apart));
      p.show(white, glyph(over));
      await until(() => shows(apart), 1000, 'a character apart from the held change waited for the page to answer');
      assert.ok(!shows(over), 'a character over the held change went before it');
      // A menu opening: bigger, still let past, and with no mark of its own, so the page does not stay counted as behind.
      const menu = { x: 8, y: 200, width: 100, height: 50 };
      const sent = p.kinds.length;
      p.show(new Uint8Array(menu.width * menu.height * 4).fill(255), menu);
      await until(() => shows({ x: 8, y: 200 }) && shows({ x: 100, y: 234 }), 1000, 'the menu waited for the page to answer');
      assert.ok(!p.kinds.slice(sent).includes('sync'), `the menu went with a mark: ${p.kinds.slice(sent).join(' ')}`);
      await until(() => shows(over) && p.helper.exact && p.same(), 8000, 'the held changes never came');
    } finally {
      p.stop();
    }
  });

  it('gives a page that joins the screen as the mirror holds it, without a new grab', async () => {
    const p = await pair('automatic');
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      p.paint(16);
      await until(() => p.helper.exact && p.same(), 5000, 'the scroll never came');
      // A reloaded page says what it decodes again (capabilities count once a second).
      await new Promise((r) => setTimeout(r, 1000));
      const before = p.kinds.length;
      p.stream.receive(encodeCaps({ mode: 'automatic', codecs: [VideoCodec.vp9] }));
      await until(() => p.kinds.slice(before).includes('reset') && p.helper.exact, 5000, 'no new picture');
      assert.ok(p.same(), 'the new picture is the screen now');
      assert.equal(p.refreshes(), 0, 'the capture was not asked to grab the screen again');
    } finally {
      p.stop();
    }
  });

  it('gives a page that reloads a picture the spare encoded ahead while the screen was still, without encoding it again', async () => {
    const lanes = new LanePool();
    const ahead = sinon.spy(lanes, 'ahead');
    const p = await pair('automatic', lanes);
    const encode = sinon.spy(VideoLane.prototype, 'encode');
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      p.paint(16);
      await until(() => p.helper.exact && p.same(), 5000, 'the scroll never came');
      await until(() => ahead.returnValues.includes(true) && !lanes['spare']?.ahead, 8000, 'nothing was encoded ahead');
      const [encodes, videos] = [encode.callCount, p.videos.length];
      p.stream.receive(encodeCaps({ mode: 'automatic', codecs: [VideoCodec.vp9] }));
      await until(() => p.videos.length >= videos + 2 && p.helper.exact, 5000, 'no new picture');
      assert.ok(p.same(), 'the new picture is the screen now');
      const frames = p.videos.slice(videos);
      assert.deepEqual(
        frames.slice(0, 2).map((f) => [f.key, f.rects.length > 0]),
        [
          [true, false],
          [false, true],
        ],
        "the spare's key frame, then the picture it encoded ahead, shown",
      );
      // The spare's refill encodes its black key frame; nothing else was encoded for the new picture.
      const pictures = encode
        .getCalls()
        .slice(encodes)
        .filter((c) => c.args[0].some((b) => b !== 0));
      assert.equal(pictures.length, 0, 'the picture was not encoded again');
    } finally {
      encode.restore();
      p.stop();
    }
  });

  it('sends a big change of text on a plain background exactly: deflate packs it smaller than video', async () => {
    const p = await pair('automatic');
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      // A page of text: glyph-like strokes on white.
      const text = new Uint8Array(W * H * 4).fill(255);
      for (let i = 0; i < W * H; i++) if ((i / W) % 12 < 8 && i % 7 < 2) text.fill(0, i * 4, i * 4 + 3);
      const before = p.kinds.length;
      p.show(text);
      await until(() => p.helper.snapshot().rgba[5 * 4] === 255, 5000, 'the page never came');
      assert.deepEqual(
        p.kinds.slice(before).filter((k) => k !== 'sync'),
        ['update'],
        'one exact update, no video',
      );
      assert.ok(p.helper.exact);
    } finally {
      p.stop();
    }
  });

  it('sends exact pixels only when the helper chose Best picture', async () => {
    const p = await pair('best');
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      p.paint(40);
      await until(() => p.same(), 5000, 'the change never came');
      assert.ok(!p.kinds.includes('video'), p.kinds.join(' '));
    } finally {
      p.stop();
    }
  });

  it('applies 250 picture choices at most once a second: a helper cannot make it start encoder after encoder', async () => {
    const lanes = new LanePool();
    const take = sinon.spy(lanes, 'take');
    const p = await pair('automatic', lanes);
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      const before = take.callCount;
      const started = performance.now();
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 50; i++) p.stream.receive(encodeCaps({ mode: i % 2 ? 'least' : 'automatic', codecs: [VideoCodec.vp9] }));
        await new Promise((r) => setTimeout(r, 250));
      }
      // The last choice takes effect within a second (its fresh picture comes from a source that sends none).
      await new Promise((r) => setTimeout(r, 1100));
      const seconds = (performance.now() - started) / 1000;
      assert.ok(take.callCount - before <= 2 * Math.ceil(seconds), `${take.callCount - before} encoders asked for in ${seconds.toFixed(1)} s`);
      assert.equal(p.link.closed, undefined, '200 choices a second is within what a page may send');
      // The last choice wins, and the screen goes on.
      p.paint(40);
      await until(() => p.helper.exact && p.same(), 5000, 'the screen stopped after the flood');
    } finally {
      p.stop();
      lanes.dispose();
    }
  });

  it('ends the session of a helper that floods the screen channel, saying why', async () => {
    const p = await pair('automatic');
    try {
      await until(() => p.helper.exact, 5000, 'no picture');
      for (let i = 0; i < 1000; i++) p.stream.receive(encodeHelperSync(i));
      assert.equal(p.link.closed, `the helper sent more than ${MAX_HELPER_MESSAGES} screen messages in a second`);
    } finally {
      p.stop();
    }
  });
});
