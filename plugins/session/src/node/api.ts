import type { Duplex } from 'node:stream';
import { token, type Disposable } from '@ra/kernel';

/**
 * What `ra.session` publishes for Node-side plugins (`@ra/plugin-session/node`): the ways a helper
 * reaches the novice. The session's security (pinned TLS, SPAKE2, the safety code) runs over
 * whatever byte stream a route yields, so a route sees only TLS.
 */
export interface NoviceRoute {
  readonly id: string;
  readonly title: string;
  /**
   * Novice side: starts taking helpers' connections, each handed to `accept` with where it came
   * from; resolves with the addresses helpers reach this computer at, which invitations carry.
   */
  listen(accept: (stream: Duplex, from: string) => void): Promise<RouteListening>;
  /** Helper side: whether this route can reach `address`, one of an invitation's addresses. */
  reaches(address: string): boolean;
  /**
   * Helper side: a byte stream to the novice at `address`, failing with a reason after `timeoutMs`.
   * It must stay readable after the novice ends writing (a half-open socket), so TLS reads the
   * novice's last words, a refusal, before the stream ends.
   */
  connect(address: string, timeoutMs: number): Promise<Duplex>;
}

export interface RouteListening extends Disposable {
  readonly addresses: readonly string[];
}

export const NoviceRoute = token<NoviceRoute>('NoviceRoute');
