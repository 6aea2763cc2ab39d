import type { JitterStats } from '../common/jitter.js';

/** What the voice worklet posts to the page, on the audio clock (seconds). */
export type WorkletNote = { t: 'level'; at: number; level: number; stats?: JitterStats } | { t: 'onset'; at: number };

/** The notes the clock mapping looks back over: 2 s of them. */
const RECENT = 40;

/**
 * Maps the audio clock to the page's epoch milliseconds: the lowest difference between when a note arrived and the
 * audio time it carries (its lower envelope), so the error is at most a message's own delay, about 1 ms. Only the
 * last 2 s count: an audio device that falls behind under load stops the audio clock, and the mapping must follow.
 */
export class AudioClock {
  private readonly offsets: number[] = [];

  heard(at: number): void {
    this.offsets.push(performance.timeOrigin + performance.now() - at * 1000);
    if (this.offsets.length > RECENT) this.offsets.shift();
  }

  epochMs(at: number): number {
    return at * 1000 + Math.min(...this.offsets);
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
