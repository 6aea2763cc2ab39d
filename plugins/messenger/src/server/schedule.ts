/** What the schedule runs when an id is due; a failure is retried after `RETRY_MS`. */
export type DueTask = (id: string) => Promise<void>;

/** A task that fails (the store could not write) runs again after this. */
export const RETRY_MS = 60_000;

/**
 * Work due at a time, such as an invitation's expiry: run once, on one node, even when the node that
 * scheduled it is gone. One process uses timers (LocalSchedule); nodes share a sorted set in Redis.
 */
export interface Schedule {
  /** Starts running what falls due. */
  start(task: DueTask): void;
  /** Runs `task(id)` at `at` (ms since the epoch), replacing an earlier time for `id`. */
  at(id: string, at: number): Promise<void>;
  cancel(id: string): Promise<void>;
  stop(): void;
}

/** setTimeout's longest delay; a later time waits in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The schedule of one process: a timer per id. */
export class LocalSchedule implements Schedule {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private task?: DueTask;

  constructor(
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  start(task: DueTask): void {
    this.task = task;
  }

  async at(id: string, at: number): Promise<void> {
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        if (at > this.now()) return void this.at(id, at);
        this.task?.(id).catch((e: Error) => {
          this.log(`${id} could not be done when due (${e.message}); trying again in a minute`);
          void this.at(id, this.now() + RETRY_MS);
        });
      },
      Math.min(MAX_DELAY_MS, Math.max(0, at - this.now())),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  async cancel(id: string): Promise<void> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.task = undefined;
  }
}
