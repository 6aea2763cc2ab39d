import type { JitterStats } from '../common/jitter.js';

/** What the voice worklet posts to the page, on the audio clock (seconds). */
export type WorkletNote = { t: 'level'; at: number; level: number; stats?: JitterStats } | { t: 'onset'; at: number };

/**
 * Maps the audio clock to the page's epoch milliseconds: the lowest difference seen between when a note arrived and
 * the audio time it carries (its lower envelope), so the error is at most the message's own delay, about 1 ms.
 */
export class AudioClock {
  private offset = Infinity;

  heard(at: number): void {
    this.offset = Math.min(this.offset, performance.timeOrigin + performance.now() - at * 1000);
  }

  epochMs(at: number): number {
    return at * 1000 + this.offset;
  }
}

/** The event each side's onset of sound raises on window: the voice benchmark and its e2e time speech with it. */
export const ONSET_EVENT = 'ra-voice-onset';

export interface OnsetDetail {
  readonly sessionId: string;
  /** `microphone`: this side began to speak; `speaker`: the other side's voice began to play here. */
  readonly where: 'microphone' | 'speaker';
  /** Epoch milliseconds. */
  readonly at: number;
}
