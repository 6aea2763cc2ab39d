import type { Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink, SessionChannel, SessionInfo } from '@ra/plugin-session/api';
import type { InputSink } from '../common/api.js';
import type { SolicitedPolicy } from '@ra/plugin-session/api';
import { MAX_CONTROL_FRAME_BYTES } from '../common/messages.js';
import type { ControlHub } from './control-hub.js';
import { HelperControl } from './helper-control.js';
import { NoviceControl, type ControlLimits } from './novice-control.js';

export interface ControlChannelDeps {
  readonly hub: ControlHub;
  readonly logger: Logger;
  policy(): SolicitedPolicy;
  display(): string | undefined;
  settings(): { allowControl: boolean; maxEventsPerSecond: number };
  sinks(): InputSink[];
  /** The policy's guards against scammers: the pause before control and the time box. */
  limits(): ControlLimits;
}

/** The `control` channel: Take Control on request, with the novice's Yes each time. */
export class ControlChannel implements SessionChannel {
  readonly id = 'control';
  readonly title = 'Take Control';
  readonly consentScope = 'control';
  readonly maxFrameBytes = MAX_CONTROL_FRAME_BYTES;

  constructor(private readonly deps: ControlChannelDeps) {}

  open(session: SessionInfo, link: ChannelLink): ChannelEndpoint {
    const { hub } = this.deps;
    if (session.role === 'helper') {
      const end = new HelperControl(link, this.deps.logger, () => hub.changed(session.id));
      const registration = hub.add(session.id, 'helper', session.peerName, end);
      return { receive: (p) => end.receive(p), pathLost: (why) => end.pathLost(why), dispose: () => registration.dispose() };
    }
    const end: NoviceControl = new NoviceControl(session, link, {
      unavailable: () => this.unavailable(session),
      sink: () => this.deps.sinks()[0],
      display: () => this.deps.display(),
      logger: this.deps.logger,
      maxEventsPerSecond: this.deps.settings().maxEventsPerSecond,
      publish: () => hub.changed(session.id),
      limits: () => this.limits(session),
      // The novice's Yes is on the shared desktop, where the helper in control could click it.
      granted: () => hub.withdrawOthers(session.id, `another helper was given control of ${session.localName}'s computer; ask again when it ends`),
    });
    const registration = hub.add(session.id, 'novice', session.peerName, end);
    return {
      receive: (p) => end.receive(p),
      revoke: () => void end.stop('novice-stop'),
      pathLost: (why) => end.pathLost(why),
      dispose: () => {
        end.dispose();
        registration.dispose();
      },
    };
  }

  /** A helper the novice's organisation certified is no stranger: the pause that guards against scammers is not needed. */
  private limits(session: SessionInfo): ControlLimits {
    const limits = this.deps.limits();
    return session.certified ? { ...limits, pauseMs: 0 } : limits;
  }

  /** Why this computer will not share control now; the helper's button shows it. */
  private unavailable(session: SessionInfo): string | undefined {
    // An offer's control is the `offers` policy's to say; an invitation's, the `solicited` one's.
    if (session.certified?.controlForbidden) return `${session.localName}'s computer does not allow remote control: ${session.certified.controlForbidden}`;
    if (!session.certified && !this.deps.policy().allowControl) return `the policy of ${session.localName}'s computer does not allow remote control`;
    if (!this.deps.settings().allowControl)
      return `${session.localName}'s computer does not allow remote control: the setting "Allow this computer to be controlled remotely" is off`;
    if (!this.deps.display()) return `${session.localName}'s computer has no display to control`;
    if (this.deps.sinks().length === 0) return `${session.localName}'s computer has no input plugin enabled`;
    // One helper at a time: a Yes for another could otherwise be clicked by the one in control.
    if (this.deps.hub.sharedElsewhere(session.id)) return `another helper has control of ${session.localName}'s computer now`;
    return undefined;
  }
}
