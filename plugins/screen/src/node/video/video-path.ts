import type { ScreenGeometry, ScreenRect } from '../../common/api.js';
import { BLOCK, LossyBlocks } from '../../common/lossy-blocks.js';
import { encodeVideo, MAX_VIDEO_RECTS, VideoCodec, type PictureMode } from '../../common/messages.js';
import type { LinkMeter } from './link-meter.js';
import type { Mirror } from './mirror.js';
import { bounds, contains, overlaps } from '../../common/rects.js';
import { dueAreas, laneSize, place, toBlocks } from './areas.js';
import type { LanePool } from './lane-pool.js';
import type { VideoLane } from './video-lane.js';
import { QUALITY_STEPS, startingCrf, VideoQuality } from './quality.js';

/** Photo-like changes of at least this many pixels go as video (a scroll or drag over a photo, a film); typing and menus stay exact. */
export const VIDEO_AREA = 256 * 256;
/** An area shown as video gets its exact pixels once it has been still this long (the issue allows 500 ms in all). */
export const REFINE_MS = 200;
/** At most this many raw bytes of exact pixels per top-off round, so typing never waits behind a whole screen of them. */
const REFINE_BYTES = 512 * 1024;
/** The first picture waits this long for an encoder still starting, then goes exact instead. */
const START_WAIT_MS = 1500;
/** Fastest video frame rate; below it, frames go as fast as the helper's answers let them. */
const MIN_FRAME_MS = 33;
/** Queueing beyond the link's own delay that counts as congestion. */
const CONGESTED_MS = 40;
/** Video that takes this share of what the link carries fills it: coarser frames would help. */
const FILLING_SHARE = 0.5;
/** A change this soon after the last frame was waiting while that frame went: the screen kept changing. */
const BUSY_MS = 2 * MIN_FRAME_MS;
/** Frames whose areas stayed within a part of the screen before the encoder shrinks to that part. */
const SETTLED_FRAMES = 8;
/** The screen still this long after a change: the spare encodes it ahead for the next new picture (LanePool.ahead). */
const AHEAD_STILL_MS = 1000;

export interface VideoPathDeps {
  readonly meter: LinkMeter;
  /** Where encoders come from: a primed spare when there is one. */
  readonly lanes: LanePool;
  /** Whether the channel has room: the link's own buffer is below its high water. */
  room(): boolean;
  /** Sends a video message in order with everything else, then (`marked`) a sync mark. */
  video(message: Uint8Array, marked: boolean): void;
  /** Sends these areas' exact pixels from the mirror, then a sync mark. */
  exact(areas: readonly ScreenRect[]): void;
  /** The encoder failed: the stream goes on lossless; `shown` when the helper has video areas to be made exact. */
  failed(reason: string, shown: boolean): void;
}

/**
 * The video half of the hybrid screen stream: big photo-like changes go to a VP9 encoder as frames of the mirror,
 * and the helper paints only the areas that changed. Where video stays in one part of the screen (a film, an
 * animation), the encoder shrinks to that part, and the novice copies, encodes and the helper decodes only it. Each area shown as video is tracked in 16×16 blocks, and once still
 * for REFINE_MS its exact pixels follow, so the picture is bit-exact soon after the screen stops. Frames are paced by
 * the helper's answers: at most one frame beyond the one the link is draining.
 */
export class VideoPath {
  private lane?: VideoLane;
  private starting?: Promise<void>;
  /** What the lane encoded that the helper's decoder needs first (its key frame, pictures encoded ahead); unset while it starts. */
  private before?: Uint8Array[];
  /** The mirror's version the last of `before` shows, when it is a picture encoded ahead. */
  private shows?: number;
  private lossy: LossyBlocks;
  private pending: ScreenRect[] = [];
  /** Exact areas sent while a frame encoded: the frame may paint older pixels over them, so they are sent again after it. */
  private sentDuring: ScreenRect[] = [];
  private encoding = false;
  private lastFrameAt = -Infinity;
  /** When the oldest area waiting for a frame changed. */
  private pendingSince = 0;
  private timer?: NodeJS.Timeout;
  private disposed = false;
  private quality: VideoQuality;
  /** An encoder being primed (another quality step or size): the path moves to it between frames once it is ready. */
  private switching?: { size: ScreenGeometry; crf: number; ready: boolean };
  /** The part of the screen the last frame showed. */
  private window?: ScreenRect;
  /** Bounds of the last frames' areas, newest last, at most SETTLED_FRAMES. */
  private recent: ScreenRect[] = [];
  private aheadTimer?: NodeJS.Timeout;
  private changedAt = 0;
  /** The mirror's version the spare last encoded ahead. */
  private aheadOf?: number;
  /** Video bytes sent in the last second, when. */
  private sentVideo: { at: number; bytes: number }[] = [];

  constructor(
    private mirror: Mirror,
    readonly mode: Exclude<PictureMode, 'best'>,
    private readonly deps: VideoPathDeps,
  ) {
    this.lossy = new LossyBlocks(mirror.geometry);
    this.quality = new VideoQuality(mode);
    this.restart(mirror.geometry);
  }

  /** The codec of the frames, for the statistics. */
  readonly codec = VideoCodec.vp9;

  /** The quality step of the encoder in use, 1 the sharpest: for the statistics. */
  get level(): number {
    return this.lane ? QUALITY_STEPS.indexOf(this.lane.crf as (typeof QUALITY_STEPS)[number]) + 1 : this.quality.level;
  }

  /**
   * A new picture (a refresh, a page that joined, a new size): a new encoder, so the helper's decoder starts from a
   * key frame, at the quality the mode starts at: a whole picture too coarse to read would wait for its exact pixels.
   */
  reset(mirror: Mirror): void {
    this.mirror = mirror;
    this.quality = new VideoQuality(this.mode);
    this.lossy = new LossyBlocks(mirror.geometry);
    this.pending = [];
    this.sentDuring = [];
    this.window = undefined;
    this.recent = [];
    this.restart(mirror.geometry);
  }

  /** Whether an encoder runs or is on its way. */
  get ready(): boolean {
    return !this.disposed && (this.lane?.alive === true || this.starting !== undefined);
  }

  /** Whether these photo-like areas should go as video: any of the first picture, else only big ones. */
  wants(areas: readonly ScreenRect[], firstPicture: boolean): boolean {
    return areas.length > 0 && (firstPicture || areas.reduce((sum, r) => sum + r.width * r.height, 0) >= VIDEO_AREA);
  }

  add(areas: readonly ScreenRect[]): void {
    if (!this.pending.length) this.pendingSince = performance.now();
    this.changed();
    this.pending.push(...areas);
    if (this.pending.length > MAX_VIDEO_RECTS) this.pending = [bounds(this.pending)];
    this.pump();
  }

  /** Exact pixels of these areas went out (ordinary lossless changes). */
  exactSent(areas: readonly ScreenRect[]): void {
    for (const r of areas) this.lossy.clear(r);
    this.changed();
    if (!this.encoding) return;
    this.sentDuring.push(...areas);
    if (this.sentDuring.length > MAX_VIDEO_RECTS) this.sentDuring = [bounds(this.sentDuring)];
  }

  /** The helper answered a mark, or the link drained: a frame or a top-off may go now. */
  pump(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length) this.frame();
    else this.refine();
    // Waiting for an encoder to start needs no timer: its start pumps.
    const due = this.before ? this.pending.length > 0 || this.lossy.count > 0 : false;
    if (!this.timer && due) this.timer = setTimeout(() => this.pump(), this.pending.length ? MIN_FRAME_MS : REFINE_MS / 2);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearTimeout(this.aheadTimer);
    this.lane?.dispose();
  }

  /** Once the screen has been still a while, the spare encodes it ahead; every change puts that off (one timer, not one per change). */
  private changed(): void {
    this.changedAt = performance.now();
    this.aheadTimer ??= setTimeout(() => this.ahead(), AHEAD_STILL_MS).unref();
  }

  /** A spare not there yet (refilled after a take), busy or over its share of the core, is asked again a while later. */
  private ahead(): void {
    this.aheadTimer = undefined;
    const { mirror } = this;
    if (this.disposed || this.aheadOf === mirror.version) return;
    const still = performance.now() - this.changedAt;
    if (still < AHEAD_STILL_MS) {
      this.aheadTimer = setTimeout(() => this.ahead(), AHEAD_STILL_MS - still).unref();
      return;
    }
    const ready = !this.encoding && !this.pending.length;
    if (ready && this.deps.lanes.ahead(mirror.geometry, startingCrf(this.mode), () => Buffer.from(mirror.pixels), mirror.version)) {
      this.aheadOf = mirror.version;
    } else this.changed();
  }

  private paced(): boolean {
    return this.deps.meter.outstanding <= 1 && this.deps.room();
  }

  private frame(): void {
    const lane = this.lane;
    const before = this.before;
    // An encoder that stopped between frames (ffmpeg died) ends video as a failed encode would.
    if (lane && !lane.alive && !this.encoding) return this.fail(lane, new Error('the encoder stopped'));
    if (this.encoding || !lane || !before || !this.paced()) return;
    // Between frames: nothing in flight is lost when the encoder changes.
    if (this.switching?.ready) return this.restart(this.switching.size);
    const now = performance.now();
    if (now - this.lastFrameAt < MIN_FRAME_MS) return;
    this.adapt(lane, now);
    this.lastFrameAt = now;
    const areas = toBlocks(this.pending, this.mirror.geometry, MAX_VIDEO_RECTS);
    this.pending = [];
    const box = bounds(areas);
    const window = place(box, lane.geometry, this.mirror.geometry, this.window);
    this.window = window;
    const inside = areas.filter((r) => contains(window, r));
    this.fit(lane, box, inside.length < areas.length);
    // Areas the smaller encoder cannot show go exactly, while one for the whole screen takes over.
    const outside = areas.filter((r) => !contains(window, r));
    for (const r of outside) this.lossy.clear(r);
    if (outside.length) this.deps.exact(outside);
    if (!inside.length) return;
    // The spare encoded this very picture ahead (a still screen, a page that reloaded): it goes as it is.
    if (this.shows === this.mirror.version && window.width === this.mirror.geometry.width && window.height === this.mirror.geometry.height) {
      return this.shown(before.pop()!, window, inside);
    }
    this.encoding = true;
    lane.encode(this.mirror.snapshot(window)).then(
      (data) => {
        this.encoding = false;
        if (this.disposed || lane !== this.lane) return;
        this.shown(data, window, inside);
        this.pump();
      },
      (e: Error) => this.fail(lane, e),
    );
  }

  /** Sends a frame, after the frames the helper's decoder needs first, and marks what it showed as not yet exact. */
  private shown(data: Uint8Array, window: ScreenRect, inside: readonly ScreenRect[]): void {
    const at = performance.now();
    for (const [i, frame] of (this.before ?? []).entries())
      this.send(encodeVideo({ codec: this.codec, key: i === 0, x: 0, y: 0, rects: [], data: frame }), false, at);
    this.before = [];
    this.shows = undefined;
    this.send(encodeVideo({ codec: this.codec, key: false, x: window.x, y: window.y, rects: inside, data }), true, at);
    for (const r of inside) this.lossy.mark(r, at);
    const again = this.sentDuring.filter((r) => inside.some((a) => overlaps(a, r)));
    this.sentDuring = [];
    if (again.length) this.deps.exact(again);
  }

  private send(message: Uint8Array, marked: boolean, at: number): void {
    this.deps.video(message, marked);
    this.sentVideo = [...this.sentVideo.filter((s) => at - s.at < 1000), { at, bytes: message.byteLength }];
  }

  /**
   * Whether coarser frames would help: the video takes much of what the link was seen to carry (or that is not known
   * yet). Answers that queue while it takes little mean a busy computer on the way, which fewer frames alone help.
   */
  private filling(now: number): boolean {
    const capacity = this.deps.meter.capacity;
    const bytes = this.sentVideo.reduce((sum, s) => sum + (now - s.at < 1000 ? s.bytes : 0), 0);
    return capacity === 0 || bytes >= FILLING_SHARE * capacity;
  }

  /**
   * Frames go no faster than the helper's answers (see paced), so the frame rate falls by itself when the link or the
   * page drains slower. Once it is down to a few frames a second while answers still queue, and the video fills the
   * link, frames get coarser.
   * Calm is judged by the answers alone: frames slowed by the novice's own busy encoder are no reason to stay coarse,
   * and frames that fill a slow link show as queueing. After a quiet spell, only how long the change waited counts.
   */
  private adapt(lane: VideoLane, now: number): void {
    const congested = this.deps.meter.queueMs > CONGESTED_MS && this.filling(now);
    const interval = this.pendingSince - this.lastFrameAt < BUSY_MS ? now - this.lastFrameAt : MIN_FRAME_MS + now - this.pendingSince;
    if (this.quality.update(congested, interval, true) !== undefined) this.switchTo(this.switching?.size ?? lane.geometry, lane);
  }

  /** Shrinks the encoder to the part of the screen the video kept to for a while; back to the whole screen once it leaves. */
  private fit(lane: VideoLane, box: ScreenRect, left: boolean): void {
    const screen = this.mirror.geometry;
    if (left) {
      this.recent = [];
      return this.switchTo(screen, lane);
    }
    this.recent.push(box);
    if (this.recent.length > SETTLED_FRAMES) this.recent.shift();
    if (this.recent.length < SETTLED_FRAMES) return;
    const size = laneSize(bounds(this.recent), screen);
    const current = this.switching?.size ?? lane.geometry;
    // A new encoder costs a key frame and its start: only for at most half the pixels.
    if (2 * size.width * size.height <= current.width * current.height) this.switchTo(size, lane);
  }

  /** Primes an encoder of this size at the quality wanted now, unless the lane in use or the one on its way is one. */
  private switchTo(size: ScreenGeometry, lane: VideoLane): void {
    const crf = this.quality.crf;
    const same = (s: { size: ScreenGeometry; crf: number }): boolean => s.crf === crf && s.size.width === size.width && s.size.height === size.height;
    if (this.switching && same(this.switching)) return;
    if (same({ size: lane.geometry, crf: lane.crf })) {
      this.switching = undefined;
      return;
    }
    const switching = { size, crf, ready: false };
    this.switching = switching;
    this.deps.lanes.prime(size, crf).then(
      () => {
        if (this.switching !== switching) return;
        switching.ready = true;
        this.pump();
      },
      () => this.switching === switching && (this.switching = undefined),
    );
  }

  private refine(): void {
    if (this.lossy.count === 0 || this.encoding || !this.paced()) return;
    const areas = dueAreas(this.lossy, performance.now() - REFINE_MS, Math.floor(REFINE_BYTES / (BLOCK * BLOCK * 3)));
    if (!areas.length) return;
    for (const r of areas) this.lossy.clear(r);
    this.deps.exact(areas);
  }

  private restart(size: ScreenGeometry): void {
    this.lane?.dispose();
    this.lane = undefined;
    this.before = undefined;
    this.shows = undefined;
    this.switching = undefined;
    this.window = undefined;
    const starting = this.deps.lanes.take(size, this.quality.crf, this.mirror.geometry, startingCrf(this.mode)).then(
      (primed) => {
        if (this.starting !== starting || this.disposed) return primed.lane.dispose();
        this.starting = undefined;
        this.lane = primed.lane;
        this.before = primed.frames;
        this.shows = primed.shows;
        // The spare taken, its refill has nothing encoded ahead.
        this.aheadOf = undefined;
        this.changed();
        this.pump();
      },
      (e: Error) => {
        if (this.starting !== starting || this.disposed) return;
        // What waited for the encoder goes exactly; nothing was shown as video unless a previous encoder ran.
        if (this.pending.length) this.deps.exact(this.pending.splice(0));
        this.deps.failed(`the video encoder did not start: ${e.message}`, this.lossy.count > 0);
      },
    );
    this.starting = starting;
    // A first picture that waits for an encoder stuck in starting goes exact.
    setTimeout(() => {
      if (this.starting === starting && this.pending.length) this.deps.exact(this.pending.splice(0));
    }, START_WAIT_MS).unref();
  }

  private fail(lane: VideoLane, e: Error): void {
    this.encoding = false;
    if (this.disposed || lane !== this.lane) return;
    this.deps.failed(`the video encoder failed: ${e.message}`, true);
  }
}
