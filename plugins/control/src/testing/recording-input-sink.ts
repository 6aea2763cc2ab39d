import type { Disposable } from '@ra/kernel';
import type { InputSink, InputTarget, KeyInput, PointerInput } from '../common/api.js';

/** A promise the test settles when it chooses, to put a grant's start-up in any order against everything else. */
class Pending<T> {
  readonly promise: Promise<T>;
  settled = false;
  /** Why it was rejected, if it was. */
  error?: Error;
  private resolve!: (value: T) => void;
  private reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => Object.assign(this, { resolve, reject }));
    // A rejection nobody awaits yet is still handled by whoever awaits it later.
    this.promise.catch(() => undefined);
  }

  settle(value: T, error?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.error = error;
    if (error) this.reject(error);
    else this.resolve(value);
  }
}

/** One injected event: the target it went to and what it was. */
export interface Injection {
  readonly target: RecordedTarget;
  readonly event: { readonly pointer: PointerInput } | { readonly key: KeyInput };
}

/** A target that records what it is asked to inject and, once disposed, refuses like a real one. */
export class RecordedTarget implements InputTarget {
  readonly opening = new Pending<RecordedTarget>();
  released = 0;
  /** How many events it injected. */
  injected = 0;
  disposed = false;

  constructor(
    readonly index: number,
    private readonly sink: RecordingInputSink,
  ) {}

  pointer(pointer: PointerInput): Promise<void> {
    return this.inject({ pointer });
  }

  key(key: KeyInput): Promise<void> {
    return this.inject({ key });
  }

  async releaseAll(): Promise<void> {
    if (this.disposed) throw new Error(`recorded target ${this.index} is closed`);
    this.released++;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  private async inject(event: Injection['event']): Promise<void> {
    if (this.disposed) throw new Error(`recorded target ${this.index} is closed`);
    this.injected++;
    const injection = { target: this, event };
    this.sink.injected.push(injection);
    this.sink.onInject?.(injection);
  }
}

/** An Esc watch the test drives: arming it is the moment it would be in force on a display. */
export class RecordedWatch implements Disposable {
  readonly arming = new Pending<RecordedWatch>();
  disposed = false;

  constructor(
    readonly index: number,
    readonly listener: (reason?: string) => void,
  ) {}

  /** Armed and not yet disposed. */
  get listening(): boolean {
    return this.arming.settled && !this.disposed;
  }

  dispose(): void {
    this.disposed = true;
  }
}

export interface RecordingInputSinkOptions {
  /** Targets open and watches arm only when the test settles them (`settleOpen()`, `settleWatch()`); at once otherwise. */
  readonly manual?: boolean;
  /** Called at the moment of each injection, to judge it against what the test knows then. */
  readonly onInject?: (injection: Injection) => void;
}

/**
 * An InputSink that injects into nothing and records everything, for specs of the control code
 * around it: the novice's Esc (`pressEscape()`) and a changed keyboard map (`changeKeymap()`) are
 * heard by every armed watch, as an x11 watch hears them on its display.
 */
export class RecordingInputSink implements InputSink {
  readonly id = 'recording';
  readonly title = 'Recording input sink';
  readonly targets: RecordedTarget[] = [];
  readonly watches: RecordedWatch[] = [];
  readonly injected: Injection[] = [];
  readonly onInject?: (injection: Injection) => void;
  private readonly manual: boolean;

  constructor(options: RecordingInputSinkOptions = {}) {
    this.manual = options.manual ?? false;
    this.onInject = options.onInject;
  }

  open(): Promise<InputTarget> {
    const target = new RecordedTarget(this.targets.length, this);
    this.targets.push(target);
    if (!this.manual) target.opening.settle(target);
    return target.opening.promise;
  }

  watchEscape(_display: string, listener: (reason?: string) => void): Promise<Disposable> {
    const watch = new RecordedWatch(this.watches.length, listener);
    this.watches.push(watch);
    if (!this.manual) watch.arming.settle(watch);
    return watch.arming.promise;
  }

  /** Settles the oldest target still opening, with it or with `error`; false when none is. */
  settleOpen(error?: Error): boolean {
    const target = this.targets.find((t) => !t.opening.settled);
    target?.opening.settle(target, error);
    return !!target;
  }

  /** Arms the oldest watch still starting, or fails it with `error`; false when none is. */
  settleWatch(error?: Error): boolean {
    const watch = this.watches.find((w) => !w.arming.settled);
    watch?.arming.settle(watch, error);
    return !!watch;
  }

  /** The novice presses Esc: every armed watch hears it. Returns the watches that did. */
  pressEscape(): RecordedWatch[] {
    return this.tell(undefined);
  }

  /** Another client changed the keyboard map: every armed watch reports it with `reason`. */
  changeKeymap(reason: string): RecordedWatch[] {
    return this.tell(reason);
  }

  private tell(reason: string | undefined): RecordedWatch[] {
    const heard = this.watches.filter((w) => w.listening);
    for (const watch of heard) watch.listener(reason);
    return heard;
  }
}
