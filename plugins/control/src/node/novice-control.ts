import { RateLimit, type Disposable, type Logger } from '@ra/kernel';
import { type ChannelEndpoint, type ChannelLink, type SessionInfo } from '@ra/plugin-session/api';
import { type InputSink, type InputTarget } from '../common/api.js';
import { ControlState, type ControlPhase, type ControlStep, type StopCause } from '../common/control-state.js';
import { parseHelperMessage, type ControlStatus, type HelperMessage } from '../common/messages.js';

export interface NoviceControlDeps {
  /** Why control cannot be shared now (policy, the novice's setting, no input plugin), or undefined. */
  unavailable(): string | undefined;
  sink(): InputSink | undefined;
  display(): string | undefined;
  readonly logger: Logger;
  readonly maxEventsPerSecond: number;
  /** The status changed: show it on this machine's page. */
  publish(): void;
  /** This session's helper was just given control. */
  granted?(): void;
  /** The guards against scammers in force now; without, no pause and no time box (specs of other parts). */
  limits?(): ControlLimits;
  /** Time, for the pause and the time box; specs pass a controllable one. */
  readonly now?: () => number;
}

/** The guards against scammers: the policy's `control` section, in milliseconds. */
export interface ControlLimits {
  /**
   * How long a request waits before the novice's Yes counts. Every helper from an invitation is one
   * the machine has no reason to trust; Offer RA's organisation-certified helpers will pass 0 here.
   */
  readonly pauseMs: number;
  /** How long control lasts before it ends unless the novice extends it; the novice is asked a minute before. */
  readonly periodMs: number;
}

/** The novice is asked to extend this long before control would end. */
export const EXTEND_ASK_MS = 60_000;

const STOP_WORDS: Record<StopCause, string> = {
  'novice-esc': 'pressed Esc',
  'novice-stop': 'clicked Stop Control',
  'helper-esc': 'pressed Shift+Esc',
  'helper-stop': 'clicked Stop Control',
  'time-box': 'did not extend control in time',
  disconnect: 'disconnected',
};

/**
 * The novice's end of the `control` channel, and the only place helper input is injected. Every
 * injection checks, at the moment it happens, that this very grant is still in force.
 */
export class NoviceControl implements ChannelEndpoint {
  private readonly state: ControlState;
  private readonly rate: RateLimit;
  /** Input dropped for coming faster than the limit. */
  private flooded = 0;
  /** Bumped at every grant and stop; an injection carries the grant it was allowed under. */
  private grant = 0;
  /** The sink's target, closed at the end of the grant whether or not the Esc watch started. */
  private opening?: Promise<InputTarget>;
  /** The target once the Esc watch is in force too: all input goes through this. */
  private target?: Promise<InputTarget>;
  private escape?: Promise<Disposable>;
  private note?: string;
  private lastError = 0;
  private closed = false;
  /** When the pending request's Yes counts, and when the grant in force ends. */
  private yesAfter = 0;
  private endsAt = 0;
  private extendAsked = false;
  private boxTimer?: NodeJS.Timeout;

  constructor(
    private readonly session: SessionInfo,
    private readonly link: ChannelLink,
    private readonly deps: NoviceControlDeps,
  ) {
    this.state = new ControlState(() => deps.unavailable());
    this.rate = new RateLimit({ max: deps.maxEventsPerSecond, windowMs: 1000 });
    this.announce();
  }

  get phase(): ControlPhase {
    return this.state.phase;
  }

  get status(): ControlStatus {
    const { phase } = this.state;
    const now = this.now();
    return {
      phase,
      unavailable: this.deps.unavailable(),
      note: this.note,
      dropped: this.state.dropped + this.flooded,
      yesInMs: phase === 'requested' ? Math.max(0, this.yesAfter - now) : undefined,
      endsInMs: phase === 'shared' && this.endsAt ? Math.max(0, this.endsAt - now) : undefined,
      extendAsked: phase === 'shared' && this.extendAsked ? true : undefined,
    };
  }

  receive(payload: Uint8Array | string): void {
    if (this.closed) return void this.state.dropped++;
    const message = typeof payload === 'string' ? parseHelperMessage(payload) : undefined;
    if (!message) return void this.throttledTell('the helper sent a control message this computer does not understand; it was dropped');
    this.handle(message);
  }

  /** The novice's Yes or No to a pending request; a Yes within the pause does not count yet. */
  answer(yes: boolean): ControlStep {
    const wait = this.yesAfter - this.now();
    if (yes && this.state.phase === 'requested' && wait > 0) {
      return {
        phase: 'requested',
        inject: false,
        changed: false,
        refused: `wait ${Math.ceil(wait / 1000)} s more before saying yes: take the time to be sure you know who this is`,
      };
    }
    const step = this.state.apply({ type: yes ? 'grant' : 'deny' });
    if (step.refused) {
      // A Yes that came too late (control became unavailable meanwhile) still ends the request.
      if (step.changed) {
        this.note = step.refused;
        this.announce();
      }
      return step;
    }
    this.note = step.phase === 'shared' ? undefined : `${this.session.localName} said no`;
    if (step.phase === 'shared') {
      this.start();
      this.box(this.now() + (this.deps.limits?.().periodMs ?? 0));
    }
    this.link.consent(step.phase === 'shared' ? 'granted' : 'revoked', this.note);
    this.announce();
    if (step.phase === 'shared') this.deps.granted?.();
    return step;
  }

  /** The novice's Yes to "extend control?": another full period from the current end. */
  extend(): ControlStep {
    if (this.state.phase !== 'shared') return { phase: this.state.phase, inject: false, changed: false, refused: 'control is not shared' };
    const periodMs = this.deps.limits?.().periodMs ?? 0;
    if (!periodMs) return { phase: 'shared', inject: false, changed: false, refused: 'control has no time limit to extend' };
    this.box(this.endsAt + periodMs);
    this.note = `${this.session.localName} extended control by ${Math.round(periodMs / 60_000)} minutes`;
    this.announce();
    return { phase: 'shared', inject: false, changed: false };
  }

  /** Control may have become unavailable (a setting changed): a pending request or a grant ends, saying why; either way the helper hears the new status. */
  recheck(): void {
    const why = this.deps.unavailable();
    if (this.state.phase !== 'view-only' && why) {
      if (this.state.phase === 'requested') return this.withdraw(`the request ended: ${why}`);
      this.stop('disconnect');
      this.note = `Control ended: ${why}`;
    }
    this.announce();
  }

  /** Ends a pending request without the novice's answer, saying why. */
  withdraw(why: string): void {
    const step = this.state.apply({ type: 'deny' });
    if (step.refused) return;
    this.note = why;
    this.link.consent('revoked', why);
    this.announce();
  }

  /** Ends a shared period (or a pending request); the session carries on View Only. `note` says why, when the cause alone does not. */
  stop(cause: StopCause, note?: string): ControlStep {
    const step = this.state.apply({ type: 'stop', cause });
    if (step.refused) return step;
    const who = cause.startsWith('novice') || cause === 'time-box' ? this.session.localName : this.session.peerName;
    this.note = note ?? `${who} ${STOP_WORDS[cause]}: control ended`;
    this.finish();
    this.link.consent('revoked', this.note);
    this.announce();
    return step;
  }

  /**
   * The path to the helper dropped: control granted or asked over it ends now, whether or not the session
   * comes back; the novice asks again if she wants. The helper reads why once the path is back.
   */
  pathLost(why: string): void {
    // Both pages show the note: it names neither side's computer as "yours".
    const lost = `the connection was lost (${why})`;
    if (this.state.phase === 'requested') this.withdraw(`the request ended: ${lost}`);
    else if (this.state.phase === 'shared') this.stop('disconnect', `Control ended: ${lost}`);
  }

  /** The session ended, or ra.control stopped: control ends and this end takes nothing more. */
  dispose(): void {
    if (this.state.phase !== 'view-only') this.stop('disconnect');
    this.closed = true;
  }

  private handle(message: HelperMessage): void {
    if (message.t === 'request') {
      const step = this.state.apply({ type: 'request' });
      if (step.refused) return void this.throttledTell(step.refused);
      this.note = undefined;
      this.yesAfter = this.now() + (this.deps.limits?.().pauseMs ?? 0);
      this.link.consent('requested');
      return this.announce();
    }
    if (message.t === 'stop') {
      const step = this.stop(message.cause === 'esc' ? 'helper-esc' : 'helper-stop');
      return void (step.refused && this.throttledTell(step.refused));
    }
    const step = this.state.apply({ type: 'input' });
    // Late input after a stop is expected (it was in flight); it is counted, not answered.
    if (!step.inject) return;
    if (!this.rate.take()) {
      this.flooded++;
      if (this.throttledTell(`more than ${this.deps.maxEventsPerSecond} input events a second; the excess was dropped`)) this.announce();
      return;
    }
    const grant = this.grant;
    void this.target!.then((target) => {
      // Checked again now, after the await: a stop in between must win.
      if (grant !== this.grant || this.state.phase !== 'shared') return void this.state.dropped++;
      return message.t === 'pointer' ? target.pointer(message.event) : target.key(message.event);
    }).catch((e: Error) => {
      // Dropped by the end of the grant (the target let go of its queue): counted, not answered.
      if (grant !== this.grant) return void this.state.dropped++;
      if (this.throttledTell(`input refused: ${e.message}`)) this.announce();
    });
  }

  private start(): void {
    this.grant++;
    const sink = this.deps.sink();
    const display = this.deps.display();
    if (!sink || !display) return this.failed('no input plugin can drive this display');
    this.escape = sink.watchEscape(display, (reason) => {
      if (reason) this.failed(`control stopped: ${reason}`);
      else if (this.state.phase === 'shared') this.stop('novice-esc');
    });
    this.opening = sink.open(display);
    // No input goes through before Esc is watched: the novice's way out comes first.
    this.target = Promise.all([this.opening, this.escape]).then(([target]) => target);
    this.escape.catch((e: Error) => this.failed(`control stopped: Esc cannot be watched on this display (${e.message})`));
    this.target.catch((e: Error) => this.failed(`control could not start: ${e.message}`));
  }

  /** Control ends at `endsAt` unless extended; the novice is asked a minute before. No period: no box. */
  private box(endsAt: number): void {
    clearTimeout(this.boxTimer);
    this.extendAsked = false;
    if (!this.deps.limits?.().periodMs) return void (this.endsAt = 0);
    this.endsAt = endsAt;
    const ask = endsAt - EXTEND_ASK_MS - this.now();
    const atEnd = () => {
      this.boxTimer = setTimeout(() => this.stop('time-box'), Math.max(0, this.endsAt - this.now()));
    };
    if (ask <= 0) {
      this.extendAsked = true;
      return atEnd();
    }
    this.boxTimer = setTimeout(() => {
      this.extendAsked = true;
      this.announce();
      atEnd();
    }, ask);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Lets go of every key and button the helper held, then closes the input target and the Esc watch. */
  private finish(): void {
    clearTimeout(this.boxTimer);
    this.endsAt = 0;
    this.extendAsked = false;
    this.grant++;
    const [opening, escape] = [this.opening, this.escape];
    this.opening = this.target = this.escape = undefined;
    void opening
      ?.then(async (t) => {
        try {
          await t.releaseAll();
        } finally {
          await t.dispose();
        }
      })
      .catch((e: Error) => this.deps.logger.warn(`releasing the helper's input failed: ${e.message}`));
    void escape?.then((w) => w.dispose()).catch(() => undefined);
  }

  private failed(why: string): void {
    if (this.state.phase !== 'shared') return;
    this.stop('disconnect');
    this.note = why;
    this.announce();
  }

  private announce(): void {
    this.link.send(JSON.stringify({ t: 'status', view: this.status }));
    this.deps.publish();
  }

  private tell(message: string): void {
    this.link.send(JSON.stringify({ t: 'refused', message }));
  }

  /** At most one refusal a second goes back, so a flood of bad or refused messages cannot become a flood of replies. */
  private throttledTell(message: string): boolean {
    const now = Date.now();
    if (now - this.lastError < 1000) return false;
    this.lastError = now;
    this.tell(message);
    return true;
  }
}
