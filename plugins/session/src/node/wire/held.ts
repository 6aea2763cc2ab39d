import type { Frame } from './framing.js';

/**
 * Frames that arrived before anything reads them, bounded by count and bytes in every state: a peer
 * that keeps sending while it waits (for the proof, for Accept, for channels to open) cannot make RA hold more.
 */
export class HeldFrames {
  private frames: Frame[] = [];
  private bytes = 0;

  constructor(
    private maxFrames: number,
    private maxBytes: number,
  ) {}

  /** Larger bounds for a state that needs them. */
  widen(maxFrames: number, maxBytes: number): void {
    this.maxFrames = maxFrames;
    this.maxBytes = maxBytes;
  }

  get length(): number {
    return this.frames.length;
  }

  /** Holds `frame`, or says which bound it would break; the caller ends the connection then. */
  hold(frame: Frame): string | undefined {
    if (this.frames.length >= this.maxFrames) return `more than ${this.maxFrames} messages waited to be read`;
    if (this.bytes + frame.size > this.maxBytes) return `more than ${describeBytes(this.maxBytes)} waited to be read`;
    this.frames.push(frame);
    this.bytes += frame.size;
  }

  /** Takes the first frame that `wanted` picks out. */
  take(wanted: (frame: Frame) => boolean): Frame | undefined {
    const at = this.frames.findIndex(wanted);
    if (at < 0) return undefined;
    const [frame] = this.frames.splice(at, 1);
    this.bytes -= frame.size;
    return frame;
  }

  /** Everything held, oldest first; the queue is empty afterwards, so its memory returns. */
  drain(): Frame[] {
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    return frames;
  }
}

export function describeBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${Math.round(n / 1024)} KiB`;
}
