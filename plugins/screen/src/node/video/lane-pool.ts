import type { Disposable } from '@ra/kernel';
import type { ScreenGeometry } from '../../common/api.js';
import { VideoLane } from './video-lane.js';

/** A spare nobody took within this long (the novice declined, the session ended) is stopped: it holds ~200 MB. */
const SPARE_IDLE_MS = 60_000;

type Started = Promise<{ lane: VideoLane; key: Uint8Array }>;

interface Spare {
  readonly geometry: ScreenGeometry;
  readonly crf: number;
  readonly ready: Started;
  readonly timer: NodeJS.Timeout;
  /** Stops the spare's encoder at once, started or not. */
  readonly stop: AbortController;
}

/**
 * Keeps one primed encoder ready, so neither a new session's first picture nor a viewer's refresh waits the ~0.7 s
 * libvpx needs to start: one is warmed while the novice decides on a connection, and refilled after each take while
 * a stream runs.
 */
export class LanePool implements Disposable {
  private spare?: Spare;
  private streams = 0;

  /** Starts a spare for this screen unless one is ready. */
  warm(geometry: ScreenGeometry, crf: number): void {
    if (this.spare && fits(this.spare, geometry, crf)) return;
    this.drop();
    const stop = new AbortController();
    const ready = VideoLane.start(geometry, crf, stop.signal);
    const spare: Spare = { geometry, crf, ready, stop, timer: setTimeout(() => this.spare === spare && this.drop(), SPARE_IDLE_MS).unref() };
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
      taken = spare.ready;
    } else taken = VideoLane.start(geometry, crf);
    if (this.streams > 0) void taken.then(() => this.streams > 0 && this.warm(screen, spareCrf)).catch(() => undefined);
    return taken;
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
    this.drop();
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

function fits(spare: Spare, geometry: ScreenGeometry, crf: number): boolean {
  return spare.geometry.width === geometry.width && spare.geometry.height === geometry.height && spare.crf === crf;
}
