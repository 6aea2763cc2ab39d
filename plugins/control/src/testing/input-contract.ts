import assert from 'node:assert/strict';
import type { InputSink, InputTarget, KeyInput, PointerInput } from '../common/api.js';
import { checkIdAndTitle, describeContract, type Contract, type Fixture } from '@ra/kernel/testing';

export interface InputSinkFixture extends Fixture {
  readonly sink: InputSink;
  /** A display the sink can inject into here; a harmless one, the checks really click and type. */
  readonly display: string;
}

/** A short, harmless gesture: move, click, scroll, tap Shift. */
const POINTER: readonly PointerInput[] = [
  { kind: 'move', x: 1, y: 1 },
  { kind: 'down', x: 1, y: 1, button: 'left' },
  { kind: 'up', x: 1, y: 1, button: 'left' },
  { kind: 'wheel', x: 1, y: 1, deltaY: 1 },
];
const KEYS: readonly KeyInput[] = [
  { kind: 'down', key: 'Shift', code: 'ShiftLeft' },
  { kind: 'up', key: 'Shift', code: 'ShiftLeft' },
];

/** Opens a target, runs `body`, and always disposes it. */
async function withTarget(f: InputSinkFixture, body: (target: InputTarget) => Promise<void>): Promise<void> {
  const target = await f.sink.open(f.display);
  try {
    await body(target);
  } finally {
    await target.dispose();
  }
}

/** The rules every InputSink keeps; each check is exported so a spec can call it directly. */
export const inputSinkContract: Contract<InputSinkFixture> = {
  'has an id a manifest can declare and a title': async (f) => checkIdAndTitle(f.sink),

  'open() gives a target whose pointer() and key() return promises that resolve': (f) =>
    withTarget(f, async (target) => {
      for (const event of POINTER) await settles(target.pointer(event), `pointer(${event.kind})`);
      for (const event of KEYS) await settles(target.key(event), `key(${event.kind} ${event.key})`);
    }),

  'releaseAll() resolves, with keys and buttons held and with nothing held': (f) =>
    withTarget(f, async (target) => {
      await target.key(KEYS[0]);
      await target.pointer(POINTER[1]);
      await settles(target.releaseAll(), 'releaseAll() with Shift and a button held');
      await settles(target.releaseAll(), 'releaseAll() with nothing held');
    }),

  'watchEscape() gives a disposable that can be disposed twice': async (f) => {
    const watch = await f.sink.watchEscape(f.display, () => undefined);
    assert.equal(typeof watch?.dispose, 'function', 'watchEscape() must resolve to a Disposable');
    await watch.dispose();
    await watch.dispose();
  },

  'dispose() can be called twice': async (f) => {
    const target = await f.sink.open(f.display);
    await target.dispose();
    await target.dispose();
  },

  'a disposed target refuses input instead of injecting it': async (f) => {
    const target = await f.sink.open(f.display);
    await target.dispose();
    await assert.rejects(() => target.pointer(POINTER[0]), Error, 'pointer() after dispose() must reject');
    await assert.rejects(() => target.key(KEYS[1]), Error, 'key() after dispose() must reject');
    await assert.rejects(() => target.releaseAll(), Error, 'releaseAll() after dispose() must reject');
  },
};

/** Registers the InputSink contract as a mocha suite; `factory` runs once per check. */
export function describeInputSinkContract(name: string, factory: () => Promise<InputSinkFixture>): void {
  describeContract(`${name}: InputSink contract`, inputSinkContract, factory);
}

async function settles(result: unknown, call: string): Promise<void> {
  assert.equal(typeof (result as Promise<void> | undefined)?.then, 'function', `${call} must return a promise`);
  await result;
}
