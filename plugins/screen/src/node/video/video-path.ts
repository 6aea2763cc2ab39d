import type { ScreenGeometry, ScreenRect } from '../../common/api.js';
import { BLOCK, LossyBlocks } from '../../common/lossy-blocks.js';
import { encodeVideo, MAX_VIDEO_RECTS, VideoCodec, type PictureMode } from '../../common/messages.js';
import type { LinkMeter } from './link-meter.js';
import type { Mirror } from './mirror.js';
import { bounds, overlaps } from '../../common/rects.js';
import { dueAreas, toBlocks } from './areas.js';
import type { LanePool } from './lane-pool.js';
import type { VideoLane } from './video-lane.js';
import { QUALITY_STEPS, VideoQuality } from './quality.js';

/** Photo-like changes of at least this many pixels go as video (a scroll or drag over a photo, a film); typing and menus stay exact. */
export const VIDEO_AREA = 256 * 256;
/** An area shown as video gets its exact pixels once it has been still this long (the issue allows 500 ms in all). */
export const REFINE_MS = 200;
/** At most this many raw bytes of exact pixels per top-off round, so typing never waits behind a whole screen of them. */
const REFINE_BYTES = 512 * 1024;
/** The first picture waits this long for an encoder still starting, then goes exact instead. */
const START_WAIT_MS = 1500;
/** Fastest video frame rate, and the slowest the pacing falls to while the link is full. */
const MIN_FRAME_MS = 33;
const MAX_FRAME_MS = 500;
/** Queueing beyond the link's own delay that counts as congestion. */
const CONGESTED_MS = 40;
/** The frame interval counted as the full frame rate, for recovering quality. */
const FULL_RATE_MS = 2 * MIN_FRAME_MS;

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
 * The video half of the hybrid screen stream: big changes go to a VP9 encoder as whole frames of the mirror, and
 * the helper paints only the areas that changed. Each area shown as video is tracked in 16×16 blocks, and once still
 * for REFINE_MS its exact pixels follow, so the picture is bit-exact soon after the screen stops. Frames are paced by
 * the helper's answers: at most one frame beyond the one the link is draining; the frame interval grows while queues
 * build, and shrinks again when they empty.
 */
export class VideoPath {
  private lane?: VideoLane;
  private starting?: Promise<void>;
  private key?: Uint8Array;
  private lossy: LossyBlocks;
  private pending: ScreenRect[] = [];
  /** Exact areas sent while a frame encoded: the frame may paint older pixels over them, so they are sent again after it. */
  private sentDuring: ScreenRect[] = [];
  private encoding = false;
  private lastFrameAt = -Infinity;
  private frameMs = MIN_FRAME_MS;
  private timer?: NodeJS.Timeout;
  private disposed = false;
  private readonly quality: VideoQuality;
  /** A quality step whose encoder is being primed: the path moves to it between frames once it is ready. */
  private switching?: { crf: number; ready: boolean };

  constructor(
    private mirror: Mirror,
    readonly mode: Exclude<PictureMode, 'best'>,
    private readonly deps: VideoPathDeps,
  ) {
    this.lossy = new LossyBlocks(mirror.geometry);
    this.quality = new VideoQuality(mode);
    this.restart();
  }

  /** The codec of the frames, for the statistics. */
  readonly codec = VideoCodec.vp9;

  /** The quality step of the encoder in use, 1 the sharpest: for the statistics. */
  get level(): number {
    return this.lane ? QUALITY_STEPS.indexOf(this.lane.crf as (typeof QUALITY_STEPS)[number]) + 1 : this.quality.level;
  }

  /** A new picture (a refresh or a new size): a new encoder, so the helper's decoder starts from a key frame. */
  reset(mirror: Mirror): void {
    this.mirror = mirror;
    this.lossy = new LossyBlocks(mirror.geometry);
    this.pending = [];
    this.sentDuring = [];
    this.restart();
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
    this.pending.push(...areas);
    if (this.pending.length > MAX_VIDEO_RECTS) this.pending = [bounds(this.pending)];
    this.pump();
  }

  /** Exact pixels of these areas went out (ordinary lossless changes). */
  exactSent(areas: readonly ScreenRect[]): void {
    for (const r of areas) this.lossy.clear(r);
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
    const due = this.key ? this.pending.length > 0 || this.lossy.count > 0 : false;
    if (!this.timer && due) this.timer = setTimeout(() => this.pump(), this.pending.length ? this.frameMs : REFINE_MS / 2);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.lane?.dispose();
  }

  private paced(): boolean {
    return this.deps.meter.outstanding <= 1 && this.deps.room();
  }

  private frame(): void {
    const lane = this.lane;
    if (this.encoding || !lane?.alive || !this.key || !this.paced()) return;
    // Between frames: nothing in flight is lost when the encoder changes.
    if (this.switching?.ready) return this.restart();
    const now = performance.now();
    if (now - this.lastFrameAt < this.frameMs) return;
    this.adapt();
    this.lastFrameAt = now;
    const areas = toBlocks(this.pending, this.mirror.geometry, MAX_VIDEO_RECTS);
    this.pending = [];
    this.encoding = true;
    const key = this.key;
    lane.encode(this.mirror.snapshot()).then(
      (data) => {
        this.encoding = false;
        if (this.disposed || lane !== this.lane) return;
        if (key.length) this.deps.video(encodeVideo({ codec: this.codec, key: true, rects: [], data: key }), false);
        this.key = new Uint8Array(0);
        this.deps.video(encodeVideo({ codec: this.codec, key: false, rects: areas, data }), true);
        const at = performance.now();
        for (const r of areas) this.lossy.mark(r, at);
        const again = this.sentDuring.filter((r) => areas.some((a) => overlaps(a, r)));
        this.sentDuring = [];
        if (again.length) this.deps.exact(again);
        this.pump();
      },
      (e: Error) => this.fail(lane, e),
    );
  }

  /** Slower frames while the helper's answers queue, then coarser ones; faster and sharper again once they do not. */
  private adapt(): void {
    const congested = this.deps.meter.queueMs > CONGESTED_MS;
    this.frameMs = congested ? Math.min(this.frameMs * 2, MAX_FRAME_MS) : Math.max(this.frameMs * 0.75, MIN_FRAME_MS);
    const crf = this.quality.update(congested, this.frameMs, this.frameMs <= FULL_RATE_MS);
    if (crf === undefined) return;
    // libvpx cannot change its quality while running: a primed encoder at the new step takes over between frames.
    const switching = { crf, ready: false };
    this.switching = switching;
    this.deps.lanes.prime(this.mirror.geometry, crf).then(
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

  private restart(): void {
    this.lane?.dispose();
    this.lane = undefined;
    this.key = undefined;
    this.switching = undefined;
    const geometry: ScreenGeometry = this.mirror.geometry;
    const starting = this.deps.lanes.take(geometry, this.quality.crf).then(
      ({ lane, key }) => {
        if (this.starting !== starting || this.disposed) return lane.dispose();
        this.starting = undefined;
        this.lane = lane;
        this.key = key;
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
