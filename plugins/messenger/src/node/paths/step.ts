/** The rejection of a step cut short by its signal. */
export function aborted(): Error {
  return Object.assign(new Error('cancelled'), { name: 'AbortError' });
}

/**
 * A step that ends by itself (`start` gets resolve and reject, and returns its clean-up), by a timeout
 * (rejected with `timeout`) or by the signal. The clean-up runs whenever the step fails.
 */
export function step<T>(
  ms: number,
  timeout: string,
  signal: AbortSignal | undefined,
  start: (resolve: (value: T) => void, reject: (e: Error) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup: (() => void) | undefined;
    let over = false;
    let failed = false;
    const end = (): boolean => {
      if (over) return false;
      over = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      return true;
    };
    const fail = (e: Error) => {
      if (!end()) return;
      failed = true;
      cleanup?.();
      reject(e);
    };
    const cancel = () => fail(aborted());
    const timer = setTimeout(() => fail(new Error(timeout)), Math.max(0, ms));
    signal?.addEventListener('abort', cancel, { once: true });
    cleanup = start((value) => end() && resolve(value), fail);
    if (failed) cleanup(); // failed while starting, before the clean-up was known
    if (signal?.aborted) cancel();
  });
}
