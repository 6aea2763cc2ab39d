import assert from 'node:assert/strict';
import fc from 'fast-check';
import { quietLogger } from '@ra/kernel/testing';
import { RecordingInputSink, type Injection, type RecordedTarget, type RecordedWatch } from '../testing/recording-input-sink.js';
import { NoviceControl } from './novice-control.js';

const session = { id: 's1', invitationId: 't1', role: 'novice' as const, peerName: 'Hank', localName: 'Nora' };
const link = { send() {}, toPage() {}, close() {}, consent() {}, note() {}, buffered: 0, onDrain: () => ({ dispose() {} }) };

/** What the novice, the helper, the display and the sink's start-up can do, in any order. */
type Step =
  | { readonly do: 'request' }
  | { readonly do: 'answer'; readonly yes: boolean }
  /** A request and the novice's Yes, back to back. */
  | { readonly do: 'grant' }
  | { readonly do: 'esc' }
  | { readonly do: 'keymap'; readonly keycode: number }
  | { readonly do: 'stop'; readonly by: 'novice-stop' | 'novice-esc' | 'helper-stop' | 'helper-esc' }
  /** Helper input, and whether the control code gets to run before the next step. */
  | { readonly do: 'input'; readonly messages: readonly string[]; readonly wait: boolean }
  /** The oldest target still opening or watch still starting (or both, in either order) succeeds or fails. */
  | { readonly do: 'settle'; readonly what: 'open' | 'watch' | 'open-watch' | 'watch-open'; readonly fails: boolean }
  | { readonly do: 'unavailable'; readonly on: boolean }
  | { readonly do: 'wait' }
  | { readonly do: 'dispose' };

/** Helper input as the channel carries it, and two messages the novice's end must drop as malformed. */
const input = fc.constantFrom(
  ...[
    { t: 'pointer', event: { kind: 'move', x: 10, y: 20 } },
    { t: 'pointer', event: { kind: 'down', x: 10, y: 20, button: 'left' } },
    { t: 'pointer', event: { kind: 'wheel', x: 10, y: 20, deltaY: 300 } },
    { t: 'key', event: { kind: 'down', key: 'a', code: 'KeyA' } },
    { t: 'key', event: { kind: 'up', key: 'Escape', code: 'Escape' } },
    { t: 'key', event: { kind: 'press', key: 'a', code: 'KeyA' } },
    { t: 'pointer', event: { kind: 'move', x: 1.5, y: 'far' } },
  ].map((m) => JSON.stringify(m)),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant({ do: 'request' as const }), weight: 1 },
  { arbitrary: fc.record({ do: fc.constant('answer' as const), yes: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ do: 'grant' as const }), weight: 4 },
  { arbitrary: fc.constant({ do: 'esc' as const }), weight: 2 },
  { arbitrary: fc.record({ do: fc.constant('keymap' as const), keycode: fc.integer({ min: 8, max: 255 }) }), weight: 1 },
  {
    arbitrary: fc.record({
      do: fc.constant('stop' as const),
      by: fc.constantFrom('novice-stop' as const, 'novice-esc' as const, 'helper-stop' as const, 'helper-esc' as const),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ do: fc.constant('input' as const), messages: fc.array(input, { minLength: 1, maxLength: 2 }), wait: fc.boolean() }), weight: 8 },
  {
    arbitrary: fc.record({
      do: fc.constant('settle' as const),
      what: fc.constantFrom('open-watch' as const, 'watch-open' as const, 'open' as const, 'watch' as const),
      fails: fc.nat(7).map((n) => n === 0),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ do: fc.constant('unavailable' as const), on: fc.nat(3).map((n) => n === 0) }), weight: 1 },
  { arbitrary: fc.constant({ do: 'wait' as const }), weight: 5 },
  { arbitrary: fc.constant({ do: 'dispose' as const }), weight: 1 },
);
const run = fc.record({ steps: fc.array(step, { minLength: 4, maxLength: 20, size: 'max' }), perSecond: fc.constantFrom(10, 100_000) });

/** setImmediate runs after every promise job queued so far: whatever the control code chained has run. */
const settleJobs = () => new Promise((resolve) => setImmediate(resolve));

/** What the spec knows happened, independently of the control code: the grant in force and who may inject. */
class Oracle {
  /** The target and watch of the grant in force; undefined outside a grant or once Esc, a keymap change or a stop ended it. */
  grant?: { readonly target: RecordedTarget; readonly watch: RecordedWatch };
  readonly violations: string[] = [];
  injections = 0;
  /** Grants that injected and then ended by Esc, a keymap change or a stop, with helper input still coming after. */
  cutShort = 0;
  /** The last grant that injected and then ended: input after it tests that the end holds. */
  private ended?: RecordedTarget;

  judge({ target }: Injection): void {
    this.injections++;
    if (!this.grant) this.violations.push(`target ${target.index} injected outside a grant, or after Esc, a keymap change or a stop`);
    else if (target !== this.grant.target) this.violations.push(`target ${target.index} injected during the grant of target ${this.grant.target.index}`);
    else if (!this.grant.watch.listening) this.violations.push(`target ${target.index} injected while its Esc watch was not in force`);
  }

  /** Esc or a keymap change heard by the grant's own watch ends that grant. */
  heard(watches: RecordedWatch[]): void {
    if (this.grant && watches.includes(this.grant.watch)) this.end();
  }

  /** The grant in force, if any, is over. */
  end(): void {
    if (this.grant && this.grant.target.injected > 0) this.ended = this.grant.target;
    this.grant = undefined;
  }

  /** Helper input arrives. */
  input(): void {
    if (this.ended) this.cutShort++;
    this.ended = undefined;
  }
}

describe('control under random interleavings (fast-check)', function () {
  this.timeout(600_000);

  it('10⁵ random interleavings of grant, Esc with keymap changes, Stop and input: 0 injections outside a grant, 0 after Esc', async () => {
    const totals = { injections: 0, cutShort: 0, runs: 0 };
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(run, async ({ steps, perSecond }) => {
        const oracle = new Oracle();
        const sink = new RecordingInputSink({ manual: true, onInject: (i) => oracle.judge(i) });
        let unavailable: string | undefined;
        const control = new NoviceControl(session, link, {
          unavailable: () => unavailable,
          sink: () => sink,
          display: () => ':99',
          logger: quietLogger,
          maxEventsPerSecond: perSecond,
          publish: () => undefined,
        });
        for (const s of steps) {
          switch (s.do) {
            case 'request':
              control.receive('{"t":"request"}');
              break;
            case 'grant':
            case 'answer': {
              if (s.do === 'grant') control.receive('{"t":"request"}');
              const before = sink.targets.length;
              const answered = control.answer(s.do === 'grant' || s.yes);
              if (answered.phase === 'shared' && !answered.refused && sink.targets.length > before) {
                oracle.grant = { target: sink.targets.at(-1)!, watch: sink.watches.at(-1)! };
              }
              break;
            }
            case 'esc':
              oracle.heard(sink.pressEscape());
              break;
            case 'keymap':
              oracle.heard(sink.changeKeymap(`the keyboard map changed (keycode ${s.keycode}) during control; it was put back`));
              break;
            case 'stop':
              oracle.end();
              if (s.by.startsWith('novice')) control.stop(s.by as 'novice-stop' | 'novice-esc');
              else control.receive(JSON.stringify({ t: 'stop', cause: s.by === 'helper-esc' ? 'esc' : 'button' }));
              break;
            case 'input':
              oracle.input();
              for (const message of s.messages) control.receive(message);
              if (s.wait) await settleJobs();
              break;
            case 'settle': {
              const error = s.fails ? new Error('the display went away') : undefined;
              for (const what of s.what.split('-')) {
                if (what === 'open') sink.settleOpen(error);
                else sink.settleWatch(error);
              }
              // A grant whose target or watch failed to start is over: none of its input may go through.
              if (oracle.grant?.target.opening.error || oracle.grant?.watch.arming.error) oracle.end();
              break;
            }
            case 'unavailable':
              unavailable = s.on ? "Nora's computer does not allow remote control" : undefined;
              break;
            case 'wait':
              await settleJobs();
              break;
            case 'dispose':
              oracle.end();
              control.dispose();
              break;
          }
        }
        oracle.end();
        control.dispose();
        while (sink.settleOpen() || sink.settleWatch());
        await settleJobs();
        assert.deepEqual(oracle.violations, []);
        // Nothing outlives the grant: each target that opened is closed, which lets go of what it holds,
        // and each watch that started is closed, which is when the x11 one puts the keymap back.
        for (const t of sink.targets) assert.ok(t.disposed || t.opening.error, `target ${t.index} was left open`);
        for (const w of sink.watches) assert.ok(w.disposed || w.arming.error, `Esc watch ${w.index} was left open`);
        totals.injections += oracle.injections;
        totals.cutShort += oracle.cutShort;
        totals.runs++;
      }),
      { numRuns: 100_000 },
    );
    console.log(
      `      ${totals.runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s: ${totals.injections} injections, all during a grant; ` +
        `${totals.cutShort} grants that injected, then ended by Esc, a keymap change or a stop while input kept coming`,
    );
    assert.ok(totals.injections > 5_000 && totals.cutShort > 1_000, 'the runs barely reached a grant: the property tested little');
  });
});
