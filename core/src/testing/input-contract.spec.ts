import assert from 'node:assert/strict';
import type { InputSink, InputTarget, KeyInput, PointerInput } from '../common/input.js';
import { failingChecks } from './contract.js';
import { describeInputSinkContract, inputSinkContract, type InputSinkFixture } from './input-contract.js';

/** What the virtual desktop ended up with: where the pointer is, what is held down. */
interface DesktopState {
  x: number;
  y: number;
  readonly held: Set<string>;
}

/** How a broken target deviates from the honest one. */
interface Flaws {
  synchronous?: boolean;
  disposeOnce?: boolean;
  injectsAfterDispose?: boolean;
}

/** Injects into an in-memory desktop; after dispose it refuses, as a real sink must once consent ends. */
class VirtualDesktop implements InputSink {
  readonly id = 'virtual-desktop';
  readonly title = 'Virtual desktop';
  readonly state: DesktopState = { x: 0, y: 0, held: new Set() };

  constructor(private readonly flaws: Flaws = {}) {}

  async watchEscape(): Promise<{ dispose(): void }> {
    return { dispose() {} };
  }

  async open(display: string): Promise<InputTarget> {
    if (display !== ':test') throw new Error(`no display ${display}`);
    const { state, flaws } = this;
    let disposed = false;
    const inject = (apply: () => void): Promise<void> => {
      if (disposed && !flaws.injectsAfterDispose) return Promise.reject(new Error('input target is closed'));
      apply();
      return flaws.synchronous ? (undefined as unknown as Promise<void>) : Promise.resolve();
    };
    return {
      pointer: (e: PointerInput) =>
        inject(() => {
          Object.assign(state, { x: e.x, y: e.y });
          if (e.button && e.kind !== 'wheel') state.held[e.kind === 'down' ? 'add' : 'delete'](e.button);
        }),
      key: (e: KeyInput) => inject(() => state.held[e.kind === 'down' ? 'add' : 'delete'](e.code)),
      releaseAll: () => inject(() => state.held.clear()),
      dispose: () => {
        if (disposed && flaws.disposeOnce) throw new Error('target already disposed');
        disposed = true;
      },
    };
  }
}

const fixture = (sink: InputSink): InputSinkFixture => ({ sink, display: ':test' });

const ID = 'has an id a manifest can declare and a title';
const PROMISES = 'open() gives a target whose pointer() and key() return promises that resolve';
const TWICE = 'dispose() can be called twice';
const REFUSES = 'a disposed target refuses input instead of injecting it';

const BROKEN: { what: string; sink: () => InputSink; fails: string[] }[] = [
  { what: 'an id with a capital', sink: () => Object.assign(new VirtualDesktop(), { id: 'Desktop' }), fails: [ID] },
  { what: 'calls that return nothing', sink: () => new VirtualDesktop({ synchronous: true }), fails: [PROMISES] },
  { what: 'dispose() that throws the second time', sink: () => new VirtualDesktop({ disposeOnce: true }), fails: [TWICE] },
  { what: 'input still injected after dispose()', sink: () => new VirtualDesktop({ injectsAfterDispose: true }), fails: [REFUSES] },
];

describeInputSinkContract('virtual desktop', async () => fixture(new VirtualDesktop()));

describe('InputSink contract', () => {
  for (const b of BROKEN) {
    it(`fails a sink with ${b.what}`, async () => {
      assert.deepEqual(await failingChecks(inputSinkContract, async () => fixture(b.sink())), b.fails);
    });
  }

  it('presses nothing it does not release on the desktop it drives', async () => {
    const desktop = new VirtualDesktop();
    assert.deepEqual(await failingChecks(inputSinkContract, async () => fixture(desktop)), []);
    assert.deepEqual([...desktop.state.held], []);
  });
});
