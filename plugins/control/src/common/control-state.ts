/**
 * The novice's control state for one session: the single authority on whether a helper's input may
 * be injected. It is pure; `NoviceControl` applies it, and its spec drives both through random orders.
 */
export type ControlPhase = 'view-only' | 'requested' | 'shared';

export type StopCause = 'novice-esc' | 'novice-stop' | 'helper-esc' | 'helper-stop' | 'time-box' | 'disconnect';

export type ControlEvent =
  | { readonly type: 'request' }
  | { readonly type: 'grant' }
  | { readonly type: 'deny' }
  | { readonly type: 'stop'; readonly cause: StopCause }
  | { readonly type: 'input' };

/** What the caller must do: the new phase, whether to inject this input, or why it refused. */
export interface ControlStep {
  readonly phase: ControlPhase;
  readonly inject: boolean;
  readonly refused?: string;
  /** The phase changed: tell both people. */
  readonly changed: boolean;
}

export class ControlState {
  private current: ControlPhase = 'view-only';
  /** Input events that arrived outside a granted period and were dropped. */
  dropped = 0;

  constructor(private readonly allowed: () => string | undefined) {}

  get phase(): ControlPhase {
    return this.current;
  }

  apply(event: ControlEvent): ControlStep {
    const from = this.current;
    const refuse = (refused: string): ControlStep => ({ phase: from, inject: false, refused, changed: false });
    switch (event.type) {
      case 'input':
        if (from === 'shared') return { phase: from, inject: true, changed: false };
        this.dropped++;
        return refuse('input arrived while control is not shared; it was dropped');
      case 'request': {
        if (from === 'requested') return refuse('a control request is already waiting for an answer');
        if (from === 'shared') return refuse('control is already shared');
        const why = this.allowed();
        if (why) return refuse(why);
        return this.move('requested');
      }
      case 'grant':
      case 'deny':
        if (from !== 'requested') return refuse(`there is no control request to ${event.type === 'grant' ? 'accept' : 'decline'}`);
        if (event.type === 'grant' && this.allowed()) return this.move('view-only', this.allowed());
        return this.move(event.type === 'grant' ? 'shared' : 'view-only');
      case 'stop':
        return from === 'view-only' ? refuse('control is not shared') : this.move('view-only');
    }
  }

  private move(to: ControlPhase, refused?: string): ControlStep {
    const changed = to !== this.current;
    this.current = to;
    return { phase: to, inject: false, refused, changed };
  }
}
