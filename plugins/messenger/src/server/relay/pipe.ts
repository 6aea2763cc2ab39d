import type { RelayTicket } from './tokens.js';
import { HIGH_WATER, type Flow, type RelayEnd } from './end.js';
import type { TokenBucket } from './limits.js';

export interface Side {
  readonly end: RelayEnd;
  readonly ticket: RelayTicket;
}

/** Why a source is paused: its sink is above the mark, or the session spent its bytes for now. */
const SINK = 1;
const RATE = 2;

/** One direction of a pipe: bytes from `from` to `to`, paused while `to` is full or the rate is spent. */
class Direction implements Flow {
  private holds = 0;
  private rateTimer?: NodeJS.Timeout;
  done = false;

  constructor(
    private readonly pipe: Pipe,
    private readonly from: RelayEnd,
    private readonly to: RelayEnd,
  ) {}

  data(chunk: Buffer): void {
    this.to.send(chunk);
    this.pipe.moved(chunk.length);
    if (!(this.holds & SINK) && this.to.buffered() > HIGH_WATER) this.hold(SINK);
    const wait = this.pipe.bucket.take(chunk.length);
    if (wait > 0 && !(this.holds & RATE)) {
      this.hold(RATE);
      this.rateTimer = setTimeout(() => this.release(RATE), wait);
    }
  }

  /** `from`'s client took what was buffered for it: the direction into it may go on. */
  drain(): void {
    this.pipe.direction(this.to, this.from).release(SINK);
  }

  end(): void {
    this.done = true;
    this.to.finish();
    this.pipe.settle();
  }

  close(): void {
    this.done = true;
    this.pipe.closed(this.from);
  }

  stop(): void {
    clearTimeout(this.rateTimer);
  }

  release(bit: number): void {
    if (!(this.holds & bit)) return;
    this.holds &= ~bit;
    if (!this.holds) this.from.resume();
  }

  private hold(bit: number): void {
    if (!this.holds) this.from.pause();
    this.holds |= bit;
  }
}

/** Two paired ends, forwarding opaque bytes both ways with backpressure and the session's rate. */
export class Pipe {
  readonly started = Date.now();
  lastActive = this.started;
  bytes = 0;
  private readonly ab: Direction;
  private readonly ba: Direction;
  private over = false;

  constructor(
    readonly a: Side,
    readonly b: Side,
    readonly bucket: TokenBucket,
    private readonly onDone: (pipe: Pipe, why: string) => void,
  ) {
    this.ab = new Direction(this, a.end, b.end);
    this.ba = new Direction(this, b.end, a.end);
  }

  /** Tells both clients they are paired, then passes on what each sent early. */
  start(): void {
    const fromA = this.a.end.pair(this.b.end.seenAt, this.ab);
    const fromB = this.b.end.pair(this.a.end.seenAt, this.ba);
    for (const chunk of fromA) this.ab.data(chunk);
    for (const chunk of fromB) this.ba.data(chunk);
  }

  moved(n: number): void {
    this.bytes += n;
    this.lastActive = Date.now();
  }

  /** The data on its way into `to`'s client, so `to`'s drain releases this. */
  direction(from: RelayEnd, to: RelayEnd): Direction {
    return from === this.a.end && to === this.b.end ? this.ab : this.ba;
  }

  /** Bytes the relay holds for the two clients. */
  buffered(): number {
    return this.a.end.buffered() + this.b.end.buffered();
  }

  /** Both clients sent their last byte. */
  settle(): void {
    if (this.ab.done && this.ba.done) this.finish('both sides finished');
  }

  /** One side's connection closed: the other gets what is buffered for it, then the end. */
  closed(end: RelayEnd): void {
    if (this.over) return;
    (end === this.a.end ? this.b.end : this.a.end).finish();
    this.finish(`the ${end === this.a.end ? this.a.ticket.side : this.b.ticket.side}'s connection closed`);
  }

  /** A cap ended the relay: both sides close now. */
  cut(why: string): void {
    if (this.over) return;
    this.a.end.cut(why);
    this.b.end.cut(why);
    this.finish(why);
  }

  private finish(why: string): void {
    if (this.over) return;
    this.over = true;
    this.ab.stop();
    this.ba.stop();
    this.onDone(this, why);
  }
}
