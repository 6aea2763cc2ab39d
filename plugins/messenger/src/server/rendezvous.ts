import { randomBytes } from 'node:crypto';
import { RELAY_TOKEN_MS, type ServerFrame, type SessionGrant } from '../common/protocol.js';
import type { Contacts } from './contacts.js';
import { FrameError } from './errors.js';
import { userName, type Hub } from './hub.js';
import { RelayTokenError, type RelayTokenStore } from './relay/tokens.js';

/**
 * Where clients reach the relay: the raw TLS port and the messenger's own port (WebSocket relay); with
 * several nodes also the node's host for clients and its id, so both sides meet on this one node.
 */
export interface RelayPorts {
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly host?: string;
  readonly node?: string;
}

/**
 * `session.request`: the helper's RA asks to meet the novice. The server checks the two may meet,
 * mints one relay token per side and hands each side its own.
 */
export class Rendezvous {
  constructor(
    private readonly hub: Hub,
    private readonly contacts: Contacts,
    private readonly tokens: RelayTokenStore,
    private readonly ports: () => RelayPorts,
  ) {}

  /** Sends `session.start` to the novice's devices and returns the helper's. */
  async request(helper: string, ref: string, target: string, invitationId: string): Promise<ServerFrame> {
    const novice = userName(target);
    if (novice === helper) throw new FrameError('bad-frame', 'you cannot help yourself');
    if (!(await this.hub.rates.take('session-requests', helper, this.hub.limits.sessionRequests)))
      throw new FrameError('rate-limited', 'too many session requests just now; wait a minute');
    const pair = await this.contacts.pair(helper, novice);
    if (pair.mine?.state !== 'mutual' || pair.mine.blocked)
      throw new FrameError('not-contact', `${novice} is not your contact: both must accept each other first`);
    // A novice who blocks the helper, or has no RA connected, is simply not there.
    if (pair.theirs?.state !== 'mutual' || pair.theirs.blocked || !(await this.hub.bus.devices(novice)).length) throw offline(novice);
    const session = randomBytes(16).toString('base64url');
    const expiresAt = new Date(this.hub.now() + RELAY_TOKEN_MS).toISOString();
    let tokens: [string, string];
    try {
      const { node } = this.ports();
      const at = node ? { node } : {};
      tokens = [
        await this.tokens.mint({ session, side: 'novice', user: novice, ...at }),
        await this.tokens.mint({ session, side: 'helper', user: helper, ...at }),
      ];
    } catch (e) {
      if (e instanceof RelayTokenError) throw new FrameError('busy', e.message);
      throw e;
    }
    const grant = (side: 'novice' | 'helper', peer: string, token: string): SessionGrant => ({
      session,
      side,
      peer,
      invitationId,
      relay: { token, ...relayOf(this.ports()) },
      expiresAt,
    });
    this.hub.log(`session ${session}: ${helper} meets ${novice}`);
    // Presence may still list a device of a node that just died: only a node that took the grant counts.
    if (!(await this.hub.bus.publish(novice, { type: 'session.start', ...grant('novice', helper, tokens[0]) }))) throw offline(novice);
    return { type: 'session.start', ref, ...grant('helper', novice, tokens[1]) };
  }
}

function relayOf({ tcpPort, wsPort, host }: RelayPorts): { tcpPort: number; wsPort: number; host?: string } {
  return host ? { host, tcpPort, wsPort } : { tcpPort, wsPort };
}

function offline(novice: string): FrameError {
  return new FrameError('novice-offline', `${novice}'s RA is off or signed out of the messenger; ask ${novice} to start RA and sign in, then try again`);
}
