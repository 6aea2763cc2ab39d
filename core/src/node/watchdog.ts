import { Worker } from 'node:worker_threads';

/** A stall of the main thread, told once it is over. */
export interface Stall {
  readonly ms: number;
  /** The plugin whose code was running when the watchdog looked, when it could tell. */
  readonly plugin?: string;
  /** The innermost frame it saw: `function (url:line:column)`. */
  readonly frame?: string;
}

export interface WatchdogOptions {
  /** How long the event loop may be blocked before the watchdog looks and reports it. */
  readonly stallMs: number;
  /** How long before it ends the process, which no longer answers anyone; 12 times `stallMs` by default. */
  readonly endAfterMs?: number;
  /** Called on the main thread once a stall is over. */
  readonly onStall: (stall: Stall) => void;
  /** Where a failure of the watchdog itself is reported. */
  readonly onError: (error: Error) => void;
}

/**
 * Watches the main thread's event loop from a worker thread. The main thread bumps a shared
 * counter a few times per `stallMs`; when it stops, the worker pauses the main thread through the
 * inspector for an instant, reads whose code runs, and says so on stderr at once; once the loop
 * runs again, `onStall` hears of it. A loop blocked for good ends the process after `endAfterMs`.
 * The worker cannot stop a busy loop: V8's termination would corrupt Node's state.
 */
export class Watchdog {
  private readonly worker: Worker;
  private readonly beat: NodeJS.Timeout;

  constructor(options: WatchdogOptions) {
    const beats = new SharedArrayBuffer(4);
    const counter = new Int32Array(beats);
    const endAfterMs = options.endAfterMs ?? options.stallMs * 12;
    this.worker = new Worker(new URL('./watchdog-worker.js', import.meta.url), { workerData: { beats, stallMs: options.stallMs, endAfterMs } });
    this.worker.on('message', (stall: Stall) => options.onStall(stall));
    this.worker.on('error', options.onError);
    this.worker.unref();
    this.beat = setInterval(() => Atomics.add(counter, 0, 1), Math.max(25, Math.min(500, options.stallMs / 5)));
    this.beat.unref();
  }

  /** The plugins' folders, so that the worker can name the plugin in its report. */
  owners(owners: readonly { id: string; dir: string }[]): void {
    this.worker.postMessage({ owners });
  }

  async stop(): Promise<void> {
    clearInterval(this.beat);
    await this.worker.terminate();
  }
}
