/** Admits at most `perSecond` events in any one-second window; counts the rest. */
export class RateWindow {
  private readonly times: number[] = [];
  dropped = 0;

  constructor(private readonly perSecond: number) {}

  admit(now = performance.now()): boolean {
    while (this.times.length && now - this.times[0] >= 1000) this.times.shift();
    if (this.times.length >= this.perSecond) {
      this.dropped++;
      return false;
    }
    this.times.push(now);
    return true;
  }
}
