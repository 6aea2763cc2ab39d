import assert from 'node:assert/strict';
import type { InputSink, InputTarget, KeyInput, PointerInput } from '../common/api.js';
import { failingChecks } from '@ra/kernel/testing';
import { describeInputSinkContract, inputSinkContract, type InputSinkFixture } from './input-contract.js';
import { RecordingInputSink } from './recording-input-sink.js';

/** What the virtual desktop ended up with: where the pointer is, what is held down. */
interface DesktopState {
  x: number;
  y: number;
  readonly held: Set<string>;
}

/** How a broken target deviates from the honest one. */
interface Flaws {
  /** pointer() and key() return nothing. */
  synchronous?: boolean;
  releaseFails?: boolean;
  disposeOnce?: boolean;
  injectsAfterDispose?: boolean;
  escapeUndisposable?: boolean;
}

/** Injects into an in-memory desktop; after dispose it refuses, as a real sink must once consent ends. */
class VirtualDesktop implements InputSink {
  readonly id = 'virtual-desktop';
  readonly title = 'Virtual desktop';
  readonly state: DesktopState = { x: 0, y: 0, held: new Set() };

  constructor(private readonly flaws: Flaws = {}) {}

  async watchEscape(): Promise<{ dispose(): void }> {
    return this.flaws.escapeUndisposable ? ({} as { dispose(): void }) : { dispose() {} };
  }

  async open(display: string): Promise<InputTarget> {
    if (display !== ':test') throw new Error(`no display ${display}`);
    const { state, flaws } = this;
    let disposed = false;
    const inject = (apply: () => void, synchronous = false): Promise<void> => {
      if (disposed && !flaws.injectsAfterDispose) return Promise.reject(new Error('input target is closed'));
      apply();
      return synchronous ? (undefined as unknown as Promise<void>) : Promise.resolve();
    };
    return {
      pointer: (e: PointerInput) =>
        inject(() => {
          Object.assign(state, { x: e.x, y: e.y });
          if (e.button && e.kind !== 'wheel') state.held[e.kind === 'down' ? 'add' : 'delete'](e.button);
        }, flaws.synchronous),
      key: (e: KeyInput) => inject(() => state.held[e.kind === 'down' ? 'add' : 'delete'](e.code), flaws.synchronous),
      releaseAll: () =>
        inject(() => {
          if (flaws.releaseFails && state.held.size > 0) throw new Error('cannot release what is held');
          state.held.clear();
        }),
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
const RELEASES = 'releaseAll() resolves, with keys and buttons held and with nothing held';
const ESCAPE = 'watchEscape() gives a disposable that can be disposed twice';
const TWICE = 'dispose() can be called twice';
const REFUSES = 'a disposed target refuses input instead of injecting it';

const BROKEN: { what: string; sink: () => InputSink; fails: string[] }[] = [
  { what: 'an id with a capital', sink: () => Object.assign(new VirtualDesktop(), { id: 'Desktop' }), fails: [ID] },
  { what: 'pointer() and key() that return nothing', sink: () => new VirtualDesktop({ synchronous: true }), fails: [PROMISES] },
  { what: 'releaseAll() that throws while something is held', sink: () => new VirtualDesktop({ releaseFails: true }), fails: [RELEASES] },
  { what: 'watchEscape() that gives no disposable', sink: () => new VirtualDesktop({ escapeUndisposable: true }), fails: [ESCAPE] },
  { what: 'dispose() that throws the second time', sink: () => new VirtualDesktop({ disposeOnce: true }), fails: [TWICE] },
  { what: 'input still injected after dispose()', sink: () => new VirtualDesktop({ injectsAfterDispose: true }), fails: [REFUSES] },
];

describeInputSinkContract('virtual desktop', async () => fixture(new VirtualDesktop()));
// The control specs' stand-in keeps the contract too, or what they prove would not hold for a real sink.
describeInputSinkContract('recording', async () => fixture(new RecordingInputSink()));

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
