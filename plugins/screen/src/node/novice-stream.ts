import type { Disposable, Logger } from '@ra/kernel';
import type { CaptureSource, CaptureStream, CursorState, ScreenGeometry, ScreenUpdate } from '../common/api.js';
import type { ChannelEndpoint, ChannelLink } from '@ra/plugin-session/api';
import type { ScreenRect } from '../common/api.js';
import { NO_SCREEN, ScreenFrameError } from '../common/frame.js';
import { decodeHelperMessage, encodeSync, VideoCodec, type Caps } from '../common/messages.js';
import { ScreenEncoder } from './encoder.js';
import { LanePool } from './video/lane-pool.js';
import { LinkMeter } from './video/link-meter.js';
import { Mirror } from './video/mirror.js';
import { VideoPath } from './video/video-path.js';
import { VideoLane } from './video/video-lane.js';
import { Motion, sortChanges } from './video/detail.js';
import { bounds, overlaps } from '../common/rects.js';

const REFRESH_MS = 1000;
/** More screen messages than this in a second from the helper end the session. */
export const MAX_HELPER_MESSAGES = 300;
/** Capabilities are applied at most this often. */
const CAPS_MS = 1000;
/** Above this many unsent bytes the helper is reading slower than the screen changes: stop encoding, keep only what changed. */
export const HIGH_WATER_BYTES = 1024 * 1024;
/** Changes kept while the link is full; past this they are dropped for one fresh full picture once it drains. */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;
/** The first picture waits this long for the helper's capabilities, so a browser that decodes video gets it as video. */
export const CAPS_WAIT_MS = 1000;
/** A helper that answers no sync mark for this long has no page open: video stops until one says it decodes again. */
export const ANSWER_TIMEOUT_MS = 5000;
/**
 * Sync marks the page may leave unapplied before changes wait: beyond them the page, not the link, is behind (it
 * decodes slower than the screen changes), and whatever is sent would only queue in it, typed characters included.
 */
const MARKS_AHEAD = 2;
/** A link that held changes this recently is full: plain parts that keep changing go as video (see Motion). */
const FULL_LINK_MS = 1000;
/**
 * A change this small (a typed character, a menu) goes out past the page's unapplied marks when the link itself has
 * room and nothing held overlaps it: waiting for an answer would add a round trip to every keystroke during a film.
 */
const SMALL_BYTES = 64 * 1024;
/** A lossless batch this big is followed by a sync mark, so the link's rate is measured on it too. */
const MARKED_BYTES = 16 * 1024;

/**
 * The novice's end of the `screen` channel: capture → encode → link, strictly in call order.
 * Updates arriving in one tick go out as one batch. It starts only once the session is open,
 * which the session plugin allows only after the novice's Accept. When the helper reads slower
 * than the screen changes, nothing stale queues: changes wait, bounded, until the link drains,
 * and then go out as one batch, or as one full picture when too much changed meanwhile.
 *
 * Once the helper's page says it decodes VP9 (`caps`), big changes go as video (VideoPath) and are topped off with
 * exact pixels once still; small ones stay exact. Until then, or without ffmpeg, everything is exact.
 */
function rect({ x, y, width, height }: ScreenRect): ScreenRect {
  return { x, y, width, height };
}

export class NoviceScreenStream implements ChannelEndpoint {
  private readonly encoder = new ScreenEncoder();
  private tail: Promise<unknown> = Promise.resolve();
  private batch: ScreenUpdate[] = [];
  private geometry?: ScreenGeometry;
  private stream?: CaptureStream;
  private disposed = false;
  private lastRefresh = 0;
  private refreshTimer?: NodeJS.Timeout;
  /** Changes held while the link is full, and their size; `stale` once they were too many to keep. */
  private held: ScreenUpdate[] = [];
  /** Bytes of the changes held now; never above MAX_HELD_BYTES. */
  heldBytes = 0;
  /** The bounds of the changes held now: a small change outside them cannot be painted over by them (see passes). */
  private heldArea?: ScreenRect;
  /** The newest cursor while the link is full. */
  private heldCursor?: CursorState;
  /** The pointer's latest position and shape: a new picture brings them again, for a view that never had the shape. */
  private pointer?: CursorState;
  private stale = false;
  private readonly drain: Disposable;
  private readonly meter = new LinkMeter();
  private mirror?: Mirror;
  /** Whether the mirror has held the whole screen since a whole picture was captured. */
  private mirrorWhole = false;
  private motion?: Motion;
  /** When the link last had more than it could take. */
  private fullAt = -Infinity;
  private caps?: Caps;
  /** Set until the helper's capabilities came (or CAPS_WAIT_MS passed): the stream holds its first picture until then. */
  private holding?: NodeJS.Timeout;
  private video?: VideoPath;
  /** Why video is off although the helper decodes it, once said. */
  private videoOff?: string;
  private firstPicture = true;
  private answerTimer?: NodeJS.Timeout;
  private turns = 0;
  private capsAt = -Infinity;
  private windowAt = 0;
  private inWindow = 0;
  private capsLater?: NodeJS.Timeout;

  private readonly lease: Disposable;

  constructor(
    private readonly link: ChannelLink,
    private readonly logger: Logger,
    private readonly lanes = new LanePool(),
  ) {
    this.drain = link.onDrain(() => this.resume());
    this.lease = lanes.lease();
    this.holding = setTimeout(() => this.capsArrived(undefined), CAPS_WAIT_MS);
    void VideoLane.unavailable();
  }

  async start(source: CaptureSource, display: string): Promise<void> {
    const stream = await source.start(display, {
      resize: (geometry) => this.reset(geometry),
      update: (update) => this.update(update),
      cursor: (state) => this.cursor(state),
      ended: (reason) => this.unavailable(`screen capture stopped: ${reason}`),
    });
    if (this.disposed) stream.dispose();
    else this.stream = stream;
  }

  /** There is no screen to send; the session goes on (chat, control), and the helper reads why. */
  unavailable(reason: string): void {
    this.stream = undefined;
    this.logger.warn(reason);
    if (!this.disposed) this.link.send(JSON.stringify({ type: NO_SCREEN, reason }));
  }

  receive(payload: Uint8Array | string): void {
    if (this.flooding()) return;
    try {
      if (typeof payload === 'string') throw new ScreenFrameError('expected a binary screen message from the helper');
      const message = decodeHelperMessage(payload);
      if (message.type === 'refresh') this.refresh();
      else if (message.type === 'caps') this.capsFromHelper(message);
      else {
        this.meter.answered(message.n, message.heldMs);
        this.expectAnswers();
        this.resume();
      }
    } catch (e) {
      this.logger.warn(`ignored a screen message from the helper: ${(e as Error).message}`);
    }
  }

  /**
   * A page sends a sync answer per mark (at most a few dozen a second), and a refresh or capabilities now and then:
   * a helper sending far more is not a page, and the session ends saying so.
   */
  private flooding(): boolean {
    const now = Date.now();
    if (now - this.windowAt >= 1000) [this.windowAt, this.inWindow] = [now, 0];
    if (++this.inWindow <= MAX_HELPER_MESSAGES) return false;
    if (this.inWindow === MAX_HELPER_MESSAGES + 1) this.link.close(`the helper sent more than ${MAX_HELPER_MESSAGES} screen messages in a second`);
    return true;
  }

  /**
   * Capabilities take effect at most once a second (the latest wins): each may start or stop an encoder, which a
   * page that keeps sending them must not turn into a stream of processes. Once the picture went out they come
   * from a page that joined (or a new picture choice): it gets a fresh picture.
   */
  private capsFromHelper(caps: Caps): void {
    clearTimeout(this.capsLater);
    const wait = this.capsAt + CAPS_MS - Date.now();
    if (wait > 0) {
      this.capsLater = setTimeout(() => this.capsFromHelper(caps), wait);
      return;
    }
    this.capsAt = Date.now();
    const joined = !this.holding && this.geometry !== undefined;
    this.capsArrived(caps);
    if (joined) this.refresh(true);
  }

  /** The helper's page said what it decodes and which picture it wants; undefined: none said so in time. */
  private capsArrived(caps: Caps | undefined): void {
    if (caps) this.caps = caps;
    const turn = ++this.turns;
    const release = (): void => {
      // Only the latest call lets the held picture go: an earlier one may finish before the encoder is on its way.
      if (!this.holding || turn !== this.turns) return;
      clearTimeout(this.holding);
      this.holding = undefined;
      if (!this.caps) this.stopVideo();
      this.resume();
    };
    this.prepareVideo().then(release, release);
  }

  /** The mode video runs in: none for Best picture, a browser without VP9, or after the encoder failed. */
  private videoMode(): 'automatic' | 'least' | undefined {
    if (this.videoOff) return undefined;
    // Before the helper's page says anything, the encoder starts anyway: its ~0.6 s start then costs the first picture nothing.
    if (!this.caps) return this.holding ? 'automatic' : undefined;
    return this.caps.mode !== 'best' && this.caps.codecs.includes(VideoCodec.vp9) ? this.caps.mode : undefined;
  }

  private async prepareVideo(): Promise<void> {
    const mode = this.videoMode();
    if (this.video && this.video.mode !== mode) this.stopVideo();
    if (!mode || this.video || !this.mirror) return;
    const why = await VideoLane.unavailable();
    if (why) {
      this.logger.info(`ra.screen: big changes go lossless: ${why}`);
      this.videoOff = why;
      return;
    }
    if (this.disposed || this.video || !this.mirror || this.videoMode() !== mode) return;
    this.video = new VideoPath(this.mirror, mode, {
      meter: this.meter,
      lanes: this.lanes,
      room: () => this.link.buffered <= HIGH_WATER_BYTES,
      video: (message, marked) => (marked ? this.mark(Promise.resolve(message)) : this.send(Promise.resolve(message))),
      exact: (areas) => this.mark(this.encoder.encode(areas.map((r) => this.mirror!.view(r)))),
      failed: (reason, shown) => {
        this.logger.warn(`ra.screen: ${reason}; the screen goes on losslessly`);
        this.videoOff = reason;
        if (shown) this.lossless();
        else this.stopVideo();
      },
    });
  }

  private stopVideo(): void {
    this.video?.dispose();
    this.video = undefined;
    clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    this.meter.forget();
  }

  /** Marks are out: a page that answers none of them for a while is gone, and video waits for the next one's `caps`. */
  private expectAnswers(): void {
    clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    if (this.meter.outstanding === 0 || !this.video) return;
    this.answerTimer = setTimeout(() => {
      this.logger.info("ra.screen: the helper's page answers no more; big changes go lossless until a page says it decodes video");
      this.caps = undefined;
      this.lossless();
    }, ANSWER_TIMEOUT_MS);
  }

  /** Video stops; what it showed, or was about to, comes exactly with a fresh picture. */
  private lossless(): void {
    this.stopVideo();
    if (this.geometry) this.reset(this.geometry);
    this.stream?.refresh();
  }

  /**
   * A full frame again, at most one a second: a page that keeps asking cannot keep the novice grabbing. A page that
   * `joined` gets the screen as the mirror holds it, when it holds all of it, without waiting for a new grab.
   */
  private refresh(joined = false): void {
    const wait = this.lastRefresh + REFRESH_MS - Date.now();
    if (wait > 0) {
      this.refreshTimer ??= setTimeout(() => {
        this.refreshTimer = undefined;
        this.refresh(joined);
      }, wait);
      return;
    }
    this.lastRefresh = Date.now();
    if (this.geometry) this.reset(this.geometry);
    if (joined && this.video && this.mirrorWhole && this.geometry) this.queue(this.mirror!.view({ x: 0, y: 0, ...this.geometry }));
    else this.stream?.refresh();
  }

  dispose(): void {
    this.disposed = true;
    this.drain.dispose();
    this.takeHeld();
    clearTimeout(this.refreshTimer);
    clearTimeout(this.holding);
    clearTimeout(this.capsLater);
    this.stopVideo();
    this.lease.dispose();
    this.stream?.dispose();
    this.stream = undefined;
  }

  private reset(geometry: ScreenGeometry): void {
    this.geometry = geometry;
    this.batch = [];
    this.takeHeld();
    this.stale = false;
    this.firstPicture = true;
    // Marks sent before a new picture will not all be answered: a page that asked for it may have dropped them.
    this.meter.forget();
    clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    if (this.mirror?.geometry.width !== geometry.width || this.mirror.geometry.height !== geometry.height) {
      this.mirror = new Mirror(geometry);
      this.mirrorWhole = false;
      this.motion = new Motion(geometry);
    }
    if (this.video) this.video.reset(this.mirror);
    else if (this.videoMode()) {
      // The first picture waits for the encoder's process to be on its way (a moment), not for it to be ready.
      this.holding ??= setTimeout(() => this.capsArrived(undefined), CAPS_WAIT_MS);
      this.capsArrived(undefined);
    }
    this.send(Promise.resolve(this.encoder.reset(geometry)));
    if (this.pointer?.image) this.cursor(this.pointer);
  }

  private update(update: ScreenUpdate): void {
    // The mirror serves video and its top-off only: kept while an encoder is on or may start for the first picture.
    if ((this.video || this.holding) && this.mirror) {
      this.mirror.apply(update);
      if (update.width === this.mirror.geometry.width && update.height === this.mirror.geometry.height) this.mirrorWhole = true;
    } else this.mirrorWhole = false;
    this.queue(update);
  }

  private queue(update: ScreenUpdate): void {
    const full = this.full();
    if (full) this.fullAt = performance.now();
    if (this.holding || this.stale || ((full || this.held.length) && !this.passes(update))) return this.hold(update);
    this.batch.push(update);
    if (this.batch.length === 1) queueMicrotask(() => this.flush());
  }

  /** A small change the page can take now: it queues behind frames the page has not applied, not behind the link. */
  private passes(update: ScreenUpdate): boolean {
    if (update.width * update.height * 4 > SMALL_BYTES || this.link.buffered > HIGH_WATER_BYTES) return false;
    return !this.heldArea || !overlaps(this.heldArea, update);
  }

  /** The link, or the page at its end, has more than it can take now. */
  private full(): boolean {
    return this.link.buffered > HIGH_WATER_BYTES || (this.video !== undefined && this.meter.outstanding > MARKS_AHEAD);
  }

  /** The link is full: keep the change for later, or give up on details and ask for a full picture then. */
  private hold(update: ScreenUpdate): void {
    if (this.stale) return;
    this.heldBytes += update.data.byteLength;
    if (this.heldBytes > MAX_HELD_BYTES) {
      this.takeHeld();
      this.stale = true;
      return;
    }
    this.held.push(update);
    this.heldArea = bounds(this.heldArea ? [this.heldArea, update] : [update]);
  }

  /** The changes held, which are no longer. */
  private takeHeld(): ScreenUpdate[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.heldArea = undefined;
    return held;
  }

  /** The link drained: what changed meanwhile goes out, newest pixels only. */
  private resume(): void {
    if (this.disposed || this.holding || this.full()) return;
    if (this.stale && this.geometry) {
      this.reset(this.geometry);
      return this.stream?.refresh();
    }
    const held = this.takeHeld();
    const cursor = this.heldCursor;
    this.heldCursor = undefined;
    if (held.length) this.route(held);
    if (cursor) this.cursor(cursor);
    this.video?.pump();
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length) this.route(batch);
  }

  /** Photo-like or moving parts of a big change go as video when the helper decodes it; anything else exactly. */
  private route(batch: readonly ScreenUpdate[]): void {
    const first = this.firstPicture;
    this.firstPicture = false;
    if (this.video?.ready) {
      const now = performance.now();
      const { busy, plain } = sortChanges(batch, this.motion!, now - this.fullAt < FULL_LINK_MS, now);
      const video = busy.map(rect);
      if (this.video.wants(video, first)) {
        this.video.add(video);
        if (!plain.length) return;
        batch = plain;
      }
    }
    const areas = batch.map(rect);
    this.video?.exactSent(areas);
    const message = this.encoder.encode(batch);
    // A change let past a full page (passes) carries no mark: it must not keep the page counted as behind.
    if (batch.reduce((sum, u) => sum + u.width * u.height * 4, 0) >= MARKED_BYTES && this.video && !this.full()) this.mark(message);
    else this.send(message);
  }

  /** Sends the message and then a sync mark, which the helper answers once it applied both. */
  private mark(message: Promise<Uint8Array | undefined>): void {
    this.send(message);
    this.send(() => {
      if (!this.answerTimer) this.expectAnswers();
      const { rttMs, bytesPerSecond } = this.meter;
      return encodeSync({ n: this.meter.mark(), rttMs, bytesPerSecond, codec: this.video?.codec ?? 0, quality: this.video?.level ?? 0 });
    });
  }

  /** The pointer is a few bytes: it waits only while the link itself is full, not for the page's answers. */
  private cursor(state: CursorState): void {
    this.pointer = { x: state.x, y: state.y, image: state.image ?? this.pointer?.image };
    // Only the newest position is worth sending, with the last shape not yet sent.
    state = { ...state, image: state.image ?? this.heldCursor?.image };
    if (this.holding || this.stale || this.link.buffered > HIGH_WATER_BYTES) {
      this.heldCursor = state;
      return;
    }
    this.heldCursor = undefined;
    this.flush();
    // A cursor the stream cannot carry is skipped; it must never end the session.
    this.send(this.encoder.cursor(state).catch((e: Error) => void this.logger.warn(`skipped a cursor shape: ${e.message}`)));
  }

  /** Keeps messages in call order even though compression is asynchronous. */
  private send(message: Promise<Uint8Array | undefined> | (() => Uint8Array)): void {
    this.tail = this.tail
      .then(() => (typeof message === 'function' ? message() : message))
      .then((m) => {
        if (!m || this.disposed) return;
        this.meter.sent(m.byteLength);
        this.link.send(m);
      })
      .catch((e: Error) => this.link.close(`the screen could not be encoded: ${e.message}`));
  }
}
