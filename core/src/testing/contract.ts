import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from '../node/async.js';

/** What a contract's factory builds for one check; `dispose` cleans up after it (temp folders, servers). */
export interface Fixture {
  dispose?(): void | Promise<void>;
}

/** One rule of a contract: resolves when the fixture honours it, rejects with the reason when not. */
export type Check<F extends Fixture> = (fixture: F) => Promise<void>;

/** The rules of one extension point, by the sentence each `it` prints. */
export type Contract<F extends Fixture> = Readonly<Record<string, Check<F>>>;

/** Long enough for a real transport or capture source; a hanging check fails instead of stalling the run. */
export const CHECK_TIMEOUT_MS = 10_000;

/** Runs one check on a fresh fixture and always disposes it. */
export async function runCheck<F extends Fixture>(check: Check<F>, factory: () => Promise<F>, timeoutMs = CHECK_TIMEOUT_MS): Promise<void> {
  const fixture = await factory();
  const running = check(fixture);
  // A check that timed out may still fail later, once its fixture is gone; that is no news.
  running.catch(() => undefined);
  try {
    await within(running, timeoutMs, `check did not finish within ${timeoutMs} ms`);
  } finally {
    await fixture.dispose?.();
  }
}

/** The names of the checks a fixture fails: empty when it honours the whole contract. */
export async function failingChecks<F extends Fixture>(contract: Contract<F>, factory: () => Promise<F>, timeoutMs?: number): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, check] of Object.entries(contract)) {
    await runCheck(check, factory, timeoutMs).catch(() => failed.push(name));
  }
  return failed;
}

/** Registers one mocha `it` per check, each on a fresh fixture. */
export function describeContract<F extends Fixture>(title: string, contract: Contract<F>, factory: () => Promise<F>): void {
  describe(title, function () {
    this.timeout(CHECK_TIMEOUT_MS + 2000);
    for (const [name, check] of Object.entries(contract)) {
      it(name, () => runCheck(check, factory));
    }
  });
}

/** Polls until `done()` holds; rejects with `what` once `timeoutMs` passed. */
export async function until(done: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** The id pattern manifests use in `contributes`, so what a plugin binds can be declared. */
export const CONTRIBUTION_ID = /^[a-z0-9][a-z0-9.-]*$/;

/** Every list contribution shows an id the manifest can declare and a title a person can read. */
export async function checkIdAndTitle(contribution: { readonly id: unknown; readonly title: unknown }): Promise<void> {
  assert.equal(typeof contribution.id, 'string', 'id must be a string');
  assert.match(contribution.id as string, CONTRIBUTION_ID, `id '${String(contribution.id)}' must match ${CONTRIBUTION_ID}`);
  assert.equal(typeof contribution.title, 'string', 'title must be a string');
  assert.notEqual((contribution.title as string).trim(), '', 'title must not be blank');
}
