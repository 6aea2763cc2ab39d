import type { Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink } from '@ra/plugin-session/api';
import { parseNoviceMessage, type ControlStatus } from '../common/messages.js';

/** The helper's end: mirrors the novice's authoritative status, and sends requests and stops. */
export class HelperControl implements ChannelEndpoint {
  status: ControlStatus = { phase: 'view-only', dropped: 0 };
  /** Malformed messages from the novice not yet logged, and when the last log line went out. */
  private unparsed = 0;
  private loggedAt = 0;

  constructor(
    private readonly link: ChannelLink,
    private readonly logger: Logger,
    private readonly publish: (status: ControlStatus) => void,
  ) {}

  receive(payload: Uint8Array | string): void {
    const message = typeof payload === 'string' ? parseNoviceMessage(payload) : undefined;
    if (!message) return this.dropped();
    this.status = message.t === 'status' ? message.view : { ...this.status, note: message.message };
    this.publish(this.status);
  }

  request(): void {
    this.link.send(JSON.stringify({ t: 'request' }));
  }

  stop(): void {
    this.link.send(JSON.stringify({ t: 'stop', cause: 'button' }));
  }

  /** The path dropped: the novice's side ends control (or the request) too; this page stops sending input now, not after the resume. */
  pathLost(why: string): void {
    if (this.status.phase === 'view-only') return;
    const { unavailable, dropped } = this.status;
    this.status = { phase: 'view-only', unavailable, dropped, note: `Control ended: the connection was lost (${why})` };
    this.publish(this.status);
  }

  dispose(): void {}

  /** At most one log line a second, so a flood of bad messages cannot flood the log. */
  private dropped(): void {
    this.unparsed++;
    const now = Date.now();
    if (now - this.loggedAt < 1000) return;
    this.logger.warn(`dropped ${this.unparsed} control message${this.unparsed === 1 ? '' : 's'} from the novice that did not parse`);
    [this.unparsed, this.loggedAt] = [0, now];
  }
}
