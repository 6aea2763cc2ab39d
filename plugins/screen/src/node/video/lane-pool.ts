import type { Disposable } from '@ra/kernel';
import type { ScreenGeometry } from '../../common/api.js';
import { VideoLane } from './video-lane.js';

/** A spare nobody took within this long while no stream runs (the novice declined) is stopped: it holds ~200 MB. */
const SPARE_IDLE_MS = 60_000;
/** A spare primed for a switch that nobody took within this long was given up: a spare for new pictures replaces it. */
const ORPHAN_MS = 5000;

/** How long after a take the spare is refilled. */
const REFILL_MS = 1000;
/** A picture encoded ahead costs one frame; its chain is started afresh past this many frames or bytes. */
const MAX_AHEAD_FRAMES = 8;
const MAX_AHEAD_BYTES = 4 * 1024 * 1024;
/**
 * Pictures encoded ahead take at most about 1/AHEAD_SHARE of the time: after one that took t, the next waits AHEAD_SHARE × t.
 * A typed character costs a few ms and can be encoded ahead often; a whole new screen ~150 ms, then three seconds' rest,
 * so a screen that changes every few seconds does not keep a core busy for a reload that may never come.
 */
const AHEAD_SHARE = 20;

/**
 * A started encoder and the frames it made so far, which a helper's decoder needs before its next one: the key frame,
 * then any pictures encoded ahead, the last of them showing the mirror as it was at `shows` (Mirror.version).
 */
export interface Primed {
  readonly lane: VideoLane;
  readonly frames: Uint8Array[];
  shows?: number;
}

type Started = Promise<Primed>;

interface Spare {
  readonly geometry: ScreenGeometry;
  readonly crf: number;
  readonly ready: Started;
  readonly since: number;
  readonly timer?: NodeJS.Timeout;
  /** Stops the spare's encoder at once, started or not. */
  readonly stop: AbortController;
  /** A picture being encoded ahead: a take waits for it, it is soon done and most likely what the taker wants. */
  ahead?: Promise<void>;
}

/**
 * Keeps one primed encoder ready, so neither a new session's first picture nor a viewer's refresh waits the ~0.7 s
 * libvpx needs to start: one is warmed while the novice decides on a connection, and refilled after each take while
 * a stream runs.
 */
export class LanePool implements Disposable {
  private spare?: Spare;
  private streams = 0;
  private disposed = false;
  /** No picture is encoded ahead before this (performance.now()). */
  private aheadAfter = 0;

  /** Starts a spare for this screen unless one is ready. */
  warm(geometry: ScreenGeometry, crf: number): void {
    if (this.spare && fits(this.spare, geometry, crf)) return;
    this.drop();
    const stop = new AbortController();
    const ready = start(geometry, crf, stop.signal);
    // While a stream runs, its spare stays: a still screen is when it encodes ahead.
    const timer = this.streams ? undefined : setTimeout(() => this.spare === spare && this.drop(), SPARE_IDLE_MS).unref();
    const spare: Spare = { geometry, crf, ready, stop, since: performance.now(), timer };
    // A spare that cannot start (ffmpeg missing, too many encoders) is simply not there.
    ready.catch(() => this.spare === spare && this.drop());
    this.spare = spare;
  }

  /** The spare for this screen at this quality, started unless it is there: ready when `take` would get it at once. */
  prime(geometry: ScreenGeometry, crf: number): Started {
    this.warm(geometry, crf);
    return this.spare?.ready ?? Promise.reject(new Error('no encoder could be primed'));
  }

  /**
   * An encoder of this size: the spare when it fits, else a new one. A stream running refills the spare, for its
   * `screen` (the size a refresh needs, or a video that leaves a smaller encoder) at `spareCrf` (where a new picture starts).
   */
  take(geometry: ScreenGeometry, crf: number, screen = geometry, spareCrf = crf): Started {
    const spare = this.spare;
    let taken: Started;
    if (spare && fits(spare, geometry, crf)) {
      clearTimeout(spare.timer);
      this.spare = undefined;
      // An encoder that died meanwhile (its picture ahead failed) is no use: a new one starts.
      taken = (spare.ahead ?? Promise.resolve()).then(() => spare.ready).then((primed) => (primed.lane.alive ? primed : start(geometry, crf)));
    } else taken = start(geometry, crf);
    // Refilled a moment later: libvpx's start (~0.6 s of a core at 1080p) would slow the picture the taker is making.
    // A spare primed meanwhile (a switch on its way) stays.
    const refill = () => setTimeout(() => !this.disposed && this.streams > 0 && !this.spare && this.warm(screen, spareCrf), REFILL_MS).unref();
    if (this.streams > 0) void taken.then(refill).catch(() => undefined);
    return taken;
  }

  /**
   * While the screen is still, the spare encodes it ahead (`picture()` copies it, whole BGRX; `shows` is its version),
   * so a page that reloads or asks for a refresh gets a picture that is already made. A busy spare, one over its share
   * (AHEAD_SHARE), or one of another size or quality skips it (false); a chain grown too long starts over with a new spare.
   */
  ahead(geometry: ScreenGeometry, crf: number, picture: () => Buffer, shows: number): boolean {
    const spare = this.spare;
    if (spare && !fits(spare, geometry, crf) && performance.now() - spare.since > ORPHAN_MS) this.warm(geometry, crf);
    if (!spare || spare.ahead || !fits(spare, geometry, crf) || performance.now() < this.aheadAfter) return false;
    const copy = picture();
    const started = performance.now();
    const ahead = spare.ready
      .then(async (primed) => {
        const bytes = primed.frames.reduce((sum, f) => sum + f.length, 0);
        if (primed.frames.length > MAX_AHEAD_FRAMES || bytes > MAX_AHEAD_BYTES) throw new Error('the chain is too long');
        primed.frames.push(await primed.lane.encode(copy));
        primed.shows = shows;
        this.rest(started);
      })
      .catch(() => {
        if (this.spare !== spare) return;
        this.drop();
        if (this.streams === 0) return;
        // A new encoder's start (~0.6 s of a core at 1080p) counts against the share too.
        const begun = performance.now();
        this.warm(geometry, crf);
        this.spare?.ready.then(() => this.rest(begun)).catch(() => undefined);
      })
      .finally(() => spare.ahead === ahead && (spare.ahead = undefined));
    spare.ahead = ahead;
    return true;
  }

  /** A stream is running: the pool keeps a spare for its refreshes until every such lease is disposed. */
  lease(): Disposable {
    this.streams++;
    let ended = false;
    return {
      dispose: () => {
        if (ended) return;
        ended = true;
        if (--this.streams === 0) this.drop();
      },
    };
  }

  dispose(): void {
    this.disposed = true;
    this.drop();
  }

  /** Work ahead that began at `since` just ended: the next waits its share. */
  private rest(since: number): void {
    const now = performance.now();
    this.aheadAfter = now + AHEAD_SHARE * (now - since);
  }

  private drop(): void {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return;
    clearTimeout(spare.timer);
    spare.stop.abort();
    spare.ready.catch(() => undefined);
  }
}

function start(geometry: ScreenGeometry, crf: number, signal?: AbortSignal): Started {
  return VideoLane.start(geometry, crf, signal).then(({ lane, key }) => ({ lane, frames: [key] }));
}

function fits(spare: Spare, geometry: ScreenGeometry, crf: number): boolean {
  return spare.geometry.width === geometry.width && spare.geometry.height === geometry.height && spare.crf === crf;
}
