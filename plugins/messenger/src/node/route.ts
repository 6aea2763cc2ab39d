import type { Duplex } from 'node:stream';
import type { Logger } from '@ra/kernel';
import type { ConnectOptions, ListenOptions, NoviceRoute, PathAttempt, PathKind, RouteListening } from '@ra/plugin-session/node';
import { normaliseUser, RELAY_WAIT_MS, type ServerFrame, type SessionGrant } from '../common/protocol.js';
import type { MessengerClient } from './client.js';
import { MessengerError } from './link.js';
import { RelayUnreachableError, type RelayOptions, type RelayPath, type RelayTarget } from './paths/index.js';
import { formatServer, formatServers, parseServer, sameServer, type ServerAddress } from './server-address.js';

/** The client's paths to a peer (`src/node/paths/`), passed in so specs can watch them. */
export interface Paths {
  openRelay(target: RelayTarget, options: RelayOptions): Promise<RelayPath>;
  punch(localPort: number, peer: string, deadlineMs: number, signal?: AbortSignal): Promise<Duplex>;
}

/**
 * How long both sides try TCP simultaneous open once the relay told them where the other is. Through
 * NATs that allow it, it connects within a few tries (one every 200 ms); and the session keeps a
 * verified relay once no direct path verified within its 3 s grace, which began before the relay paired.
 */
export const PUNCH_MS = 2_500;
/**
 * How long the relay node a grant names gets to answer before this RA goes through its own node instead,
 * which forwards: a dead or unreachable node costs this much, not the whole wait for the peer.
 */
export const REACH_MS = 2_000;
/** Sessions the novice's side is meeting at once; more are refused rather than queued. */
const MAX_MEETINGS = 8;
const ADDRESS = /^messenger:\/\/([^@/\s]+)@([^/\s]+)$/;

/** `messenger://nora@msg.example.org:8443`: the user to ask for, at that server. */
export function parseMessengerAddress(address: string): { user: string; server: ServerAddress } | undefined {
  const m = ADDRESS.exec(address);
  if (!m) return undefined;
  try {
    return { user: normaliseUser(decodeURIComponent(m[1])), server: parseServer(m[2]) };
  } catch {
    return undefined;
  }
}

/**
 * The messenger as a way to reach the novice across NATs: the helper asks the server for a session
 * with the novice named in the invitation's `messenger://` address; the server hands each side a
 * one-time relay token; each opens the relay, which carries bytes at once and tells each side where
 * the other is seen from, and both try TCP simultaneous open to that from the relay's own local port.
 * The session takes whichever path verifies the pinned key: a direct one first.
 */
export class MessengerRoute implements NoviceRoute {
  readonly id = 'messenger';
  readonly title = 'Through the messenger';

  constructor(
    private readonly client: MessengerClient,
    private readonly paths: Paths,
    private readonly logger: Logger,
  ) {}

  async listen(accept: (stream: Duplex, from: string, kind: PathKind) => void, { kinds }: ListenOptions): Promise<RouteListening> {
    const { servers, user } = this.client;
    if (!servers || !user) throw new Error('not signed in to a messenger');
    if (this.client.state === 'offline')
      throw new Error(`the messenger at ${formatServers(servers)} is offline: ${this.client.status().error ?? 'not connected'}`);
    if (!kinds.length) throw new Error('the policy allows no kind of connection');
    const meetings = new Set<AbortController>();
    const subscription = this.client.onSessionStart((grant) => {
      if (meetings.size >= MAX_MEETINGS) return this.logger.warn(`turned away ${grant.peer}'s session: ${MAX_MEETINGS} are being set up already`);
      const meeting = new AbortController();
      meetings.add(meeting);
      this.meet(grant, accept, kinds, meeting.signal)
        .catch((e: Error) => this.logger.warn(`could not meet ${grant.peer} through the messenger: ${e.message}`))
        .finally(() => meetings.delete(meeting));
    });
    return {
      // Any node of the messenger names it; the helper's RA finds it among the nodes it knows.
      addresses: [`messenger://${encodeURIComponent(user)}@${formatServer(servers[0])}`],
      dispose: () => {
        subscription.dispose();
        for (const meeting of meetings) meeting.abort(new Error('the invitation closed'));
      },
    };
  }

  /** Any `messenger://` address: one this RA is not signed in for fails in `connect`, saying so. */
  reaches(address: string): boolean {
    return parseMessengerAddress(address) !== undefined;
  }

  connect(address: string, { timeoutMs, invitationId, kinds, signal: kept }: ConnectOptions): PathAttempt[] {
    const to = parseMessengerAddress(address);
    if (!to) throw new Error(`'${address}' is not a messenger address`);
    const servers = this.client.servers;
    if (!servers?.some((s) => sameServer(s, to.server)))
      throw new Error(`to reach ${to.user} through the messenger at ${formatServer(to.server)}, sign in to it first`);
    // What is still under way stops after `timeoutMs`, or once the session kept a path; a path already handed over is the session's.
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(), timeoutMs);
    const signal = kept ? AbortSignal.any([kept, giveUp.signal]) : giveUp.signal;
    const relay = this.session(to.user, invitationId).then(async (grant) => (await this.relay(grant, timeoutMs, signal)).path);
    const attempts: PathAttempt[] = [];
    if (kinds.includes('relayed')) attempts.push({ kind: 'relayed', via: to.server.host, stream: relay.then((r) => r.stream) });
    if (kinds.includes('direct')) {
      let seen: string | undefined;
      const punched = relay.then((r) => {
        seen = r.peerSeenAt;
        return this.paths.punch(r.localPort, r.peerSeenAt, PUNCH_MS, signal);
      });
      // Without a relayed attempt the relay only told where the novice is: it goes once the punch is done.
      if (!kinds.includes('relayed')) void relay.then((r) => punched.finally(() => r.stream.destroy())).catch(() => undefined);
      attempts.push({
        kind: 'direct',
        get via() {
          return seen ?? `${to.user}'s address, from the relay`;
        },
        stream: punched,
      });
    }
    // The session settles every attempt it is given; these only keep a loser from being an unhandled rejection.
    for (const a of attempts) a.stream.catch(() => undefined);
    void Promise.allSettled(attempts.map((a) => a.stream)).then(() => clearTimeout(timer));
    return attempts;
  }

  /**
   * The relay the grant names (the node both sides were sent to); when this RA cannot reach that node
   * within `REACH_MS`, the node it is signed in to, which forwards there. `host`: where it met.
   */
  private async relay(grant: SessionGrant, timeoutMs: number, signal: AbortSignal): Promise<{ path: RelayPath; host: string }> {
    const { target, fallback } = await this.client.relayPlan(grant);
    const started = Date.now();
    try {
      return { path: await this.paths.openRelay(target, { timeoutMs, signal, ...(fallback ? { reachMs: REACH_MS } : {}) }), host: target.host };
    } catch (e) {
      if (!fallback || !(e instanceof RelayUnreachableError) || signal.aborted) throw e;
      this.logger.info(`the relay node ${target.host} cannot be reached (${e.message}); going through ${fallback.host}, which forwards`);
      return { path: await this.paths.openRelay(fallback, { timeoutMs: timeoutMs - (Date.now() - started), signal }), host: fallback.host };
    }
  }

  /** `session.request`: the server's grant for the helper's side, or why not in the helper's words. */
  private async session(user: string, invitationId: string): Promise<SessionGrant> {
    const name = this.client.contacts().find((c) => c.user === user)?.displayName ?? user;
    try {
      const grant = await this.client.request<Extract<ServerFrame, { type: 'session.start' }>>({ type: 'session.request', to: user, invitationId });
      if (grant.type !== 'session.start') throw new Error(`the messenger answered '${grant.type}' instead of a session`);
      return grant;
    } catch (e) {
      if (!(e instanceof MessengerError)) throw e;
      if (e.code === 'novice-offline') throw new Error(`${name}'s RA is not signed in to the messenger: it may be off`, { cause: e });
      if (e.code === 'not-contact') throw new Error(`${name} is not your contact on the messenger, so it will not connect you`, { cause: e });
      throw new Error(`the messenger will not connect you to ${name}: ${e.message}`, { cause: e });
    }
  }

  /** The novice's side of `session.start`: the relay, handed over as the relayed path, and the punch to the helper as the direct one. */
  private async meet(grant: SessionGrant, accept: (stream: Duplex, from: string, kind: PathKind) => void, kinds: readonly PathKind[], signal: AbortSignal) {
    const { path: relay, host } = await this.relay(grant, RELAY_WAIT_MS + 5_000, signal);
    const punched = kinds.includes('direct') ? this.paths.punch(relay.localPort, relay.peerSeenAt, PUNCH_MS, signal) : undefined;
    if (kinds.includes('relayed')) accept(relay.stream, host, 'relayed');
    if (!punched) return;
    try {
      accept(await punched, relay.peerSeenAt, 'direct');
    } catch (e) {
      this.logger.info(`no direct path to ${grant.peer} (${(e as Error).message})${kinds.includes('relayed') ? '; the relay carries the session' : ''}`);
    } finally {
      if (!kinds.includes('relayed')) relay.stream.destroy();
    }
  }
}
