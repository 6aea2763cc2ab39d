import { describeBytes } from '../wire/held.js';

/** What one side sent on its channels and the peer has not acknowledged: what a resumed session sends again. */
interface Entry {
  readonly seq: number;
  readonly channel: string;
  readonly payload: string | Uint8Array;
  readonly bytes: number;
}

/** Unacknowledged frames a session keeps; past this the oldest go, and a resume needing them fails. */
export const JOURNAL_BYTES = 8 * 1024 * 1024;
const JOURNAL_FRAMES = 100_000;

/**
 * Each channel frame sent gets the next number; the peer acknowledges what it received (every 250 ms), so
 * only the frames in flight stay here. After a drop, the peer says how many it received and the rest is
 * sent again: nothing lost, nothing twice.
 */
export class Journal {
  private entries: Entry[] = [];
  private bytes = 0;
  /** Frames sent so far; the last one's number. */
  sent = 0;
  /** The highest number dropped unacknowledged to stay within the bounds. */
  private lost = 0;

  constructor(
    private readonly maxBytes = JOURNAL_BYTES,
    private readonly maxFrames = JOURNAL_FRAMES,
  ) {}

  /** Keeps the frame; false when, to stay within the bounds, older unacknowledged frames were let go. */
  record(channel: string, payload: string | Uint8Array): boolean {
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    this.entries.push({ seq: ++this.sent, channel, payload, bytes });
    this.bytes += bytes;
    let drop = 0;
    while (drop < this.entries.length && (this.bytes > this.maxBytes || this.entries.length - drop > this.maxFrames)) {
      this.bytes -= this.entries[drop].bytes;
      this.lost = this.entries[drop++].seq;
    }
    if (drop) this.entries = this.entries.slice(drop);
    return drop === 0;
  }

  /** The bounds, as people read them. */
  get bounds(): string {
    return `${this.maxFrames} frames or ${describeBytes(this.maxBytes)}`;
  }

  /** The peer received every frame up to `n`. */
  ack(n: number): void {
    if (!Number.isInteger(n) || n > this.sent) return;
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop].seq <= n) this.bytes -= this.entries[drop++].bytes;
    if (drop) this.entries = this.entries.slice(drop);
  }

  /** What to send again to a peer that received up to `n`; undefined when some of it is no longer kept. */
  after(n: number): readonly Entry[] | undefined {
    if (!Number.isInteger(n) || n < 0 || n > this.sent || n < this.lost) return undefined;
    this.ack(n);
    return this.entries;
  }

  /** Forgets every frame: the session is over. */
  clear(): void {
    this.entries = [];
    this.bytes = 0;
  }

  get size(): { frames: number; bytes: number } {
    return { frames: this.entries.length, bytes: this.bytes };
  }
}
