import { RETRY_MS, type DueTask, type Schedule } from '../schedule.js';
import type { RedisLink } from './link.js';

const DUE = 'ra:due';
/** How often each node looks for work that fell due, and how much it takes at once. */
const POLL_MS = 500;
const BATCH = 100;

/**
 * The nodes' shared schedule: a sorted set of ids by due time. Every node polls it; whoever removes an
 * id (ZREM answers 1 to one node only) runs it, so each runs once, and still runs when the node that
 * scheduled it died. A failed run goes back in, a minute later.
 */
export class RedisSchedule implements Schedule {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly link: RedisLink,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
    private readonly pollMs = POLL_MS,
  ) {}

  start(task: DueTask): void {
    this.timer = setInterval(() => void this.poll(task), this.pollMs);
    this.timer.unref();
  }

  async at(id: string, at: number): Promise<void> {
    await this.link.run((r) => r.zAdd(DUE, { score: at, value: id }));
  }

  async cancel(id: string): Promise<void> {
    await this.link.run((r) => r.zRem(DUE, id));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(task: DueTask): Promise<void> {
    if (this.running || !this.link.up) return;
    this.running = true;
    try {
      const due = await this.link.run((r) => r.zRangeByScore(DUE, '-inf', this.now(), { LIMIT: { offset: 0, count: BATCH } }));
      for (const id of due) {
        if ((await this.link.run((r) => r.zRem(DUE, id))) !== 1) continue;
        await task(id).catch(async (e: Error) => {
          this.log(`${id} could not be done when due (${e.message}); trying again in a minute`);
          await this.at(id, this.now() + RETRY_MS).catch(() => undefined);
        });
      }
    } catch {
      // Redis went away mid-poll: RedisLink said so; the next poll after it returns picks up where this stopped.
    } finally {
      this.running = false;
    }
  }
}
