import type { PictureMode } from '../../common/messages.js';

/** The encoder's constant-quality steps, sharpest first: each step up roughly halves a photo's bytes. */
export const QUALITY_STEPS = [38, 44, 50, 56, 63] as const;
/** Where each mode starts, and the sharpest it recovers to. */
const START: Record<Exclude<PictureMode, 'best'>, number> = { automatic: 0, least: 2 };
/** The frame interval at which frames alone no longer keep up: the quality goes down a step too. */
const SLOW_FRAME_MS = 130;
/** A step down at most this often, so one slow answer does not empty the picture. */
const DOWN_EVERY_MS = 2000;
/** A step back up after the link has been calm this long at the full frame rate. */
const CALM_MS = 5000;

/** The quality a new stream in this mode starts at: what a primed encoder is warmed for. */
export function startingCrf(mode: Exclude<PictureMode, 'best'>): number {
  return QUALITY_STEPS[START[mode]];
}

/**
 * The video's quality for one stream. The frame rate gives way first (frames wait for the helper's answers, so they
 * slow down with the link); once frames are down to a few per second and the link is still congested, each frame gets coarser too.
 * After the link has been calm for a while at the full frame rate, the quality climbs back, one step at a time.
 */
export class VideoQuality {
  private step: number;
  private readonly sharpest: number;
  private changedAt: number;
  private calmSince?: number;

  constructor(
    mode: Exclude<PictureMode, 'best'>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.step = this.sharpest = START[mode];
    this.changedAt = now();
  }

  get crf(): number {
    return QUALITY_STEPS[this.step];
  }

  /** 1 is the sharpest step, QUALITY_STEPS.length the coarsest: for the helper's statistics. */
  get level(): number {
    return this.step + 1;
  }

  /** Takes the link's state at a frame; the new encoder quality when a step is due, else undefined. */
  update(congested: boolean, frameMs: number, fullRate: boolean): number | undefined {
    const now = this.now();
    this.calmSince = congested || !fullRate ? undefined : (this.calmSince ?? now);
    if (congested && frameMs >= SLOW_FRAME_MS && this.step < QUALITY_STEPS.length - 1 && now - this.changedAt >= DOWN_EVERY_MS) return this.move(+1, now);
    if (this.calmSince !== undefined && now - this.calmSince >= CALM_MS && this.step > this.sharpest && now - this.changedAt >= CALM_MS) {
      this.calmSince = now;
      return this.move(-1, now);
    }
    return undefined;
  }

  private move(by: number, now: number): number {
    this.step += by;
    this.changedAt = now;
    return this.crf;
  }
}
