/** Something to undo. Calling `dispose()` again does nothing. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/** Collects what a plugin contributed so deactivation can undo all of it, newest first. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  /** Disposes every item even when some throw, then throws them together so the caller can attribute them. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const errors: Error[] = [];
    for (const item of this.items.reverse()) {
      try {
        await item.dispose();
      } catch (e) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    this.items = [];
    if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  }
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  return { dispose: fn };
}
