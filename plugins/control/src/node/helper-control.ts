import type { Logger } from '@ra/kernel';
import type { ChannelEndpoint, ChannelLink } from '@ra/plugin-session/api';
import { parseNoviceMessage, type ControlStatus } from '../common/messages.js';

/** The helper's end: mirrors the novice's authoritative status, and sends requests and stops. */
export class HelperControl implements ChannelEndpoint {
  status: ControlStatus = { phase: 'view-only', dropped: 0 };

  constructor(
    private readonly link: ChannelLink,
    private readonly logger: Logger,
    private readonly publish: (status: ControlStatus) => void,
  ) {}

  receive(payload: Uint8Array | string): void {
    const message = typeof payload === 'string' ? parseNoviceMessage(payload) : undefined;
    if (!message) return this.logger.warn('dropped a control message from the novice that does not parse');
    this.status = message.t === 'status' ? message.view : { ...this.status, note: message.message };
    this.publish(this.status);
  }

  request(): void {
    this.link.send(JSON.stringify({ t: 'request' }));
  }

  stop(): void {
    this.link.send(JSON.stringify({ t: 'stop', cause: 'button' }));
  }

  dispose(): void {}
}
