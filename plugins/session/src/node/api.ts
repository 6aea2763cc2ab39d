import type { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { token, type Disposable } from '@ra/kernel';
import type { Certified } from '../common/channel.js';
import type { PathKind } from '../common/views.js';

export type { PathKind, SessionPath } from '../common/views.js';

/**
 * What `ra.session` publishes for Node-side plugins (`@ra/plugin-session/node`): the ways a helper
 * reaches the novice. The session's security (pinned TLS, SPAKE2, the safety code) runs over
 * whatever byte stream a route yields, so a route sees only TLS. A route says what kind each path
 * is; the policy (`network.relay`) decides which kinds may be used, and routes are told as `kinds`.
 */
export interface NoviceRoute {
  readonly id: string;
  readonly title: string;
  /**
   * Novice side: starts taking helpers' connections, each handed to `accept` with where it came
   * from (for a relayed path, the relay) and its kind; resolves with the addresses helpers reach this
   * computer at, which invitations carry. A route offers only the `kinds` the policy allows; one that
   * can offer none of them rejects, saying why.
   */
  listen(accept: (stream: Duplex, from: string, kind: PathKind) => void, options: ListenOptions): Promise<RouteListening>;
  /** Helper side: whether this route can reach `address`, one of an invitation's addresses. */
  reaches(address: string): boolean;
  /**
   * Helper side: the paths this route tries to the novice at `address`, at once; only of the
   * allowed `kinds` (none when it has no such path). The session runs pinned TLS over each and keeps
   * one. Each stream fails with a reason after `timeoutMs`, and must stay readable after the novice
   * ends writing (a half-open socket), so TLS reads the novice's last words, a refusal, before the
   * stream ends.
   */
  connect(address: string, options: ConnectOptions): PathAttempt[];
}

export interface ListenOptions {
  /** The kinds of path the policy allows. */
  readonly kinds: readonly PathKind[];
}

export interface ConnectOptions {
  readonly timeoutMs: number;
  /** The invitation the helper opens: a rendezvous names the session by it. */
  readonly invitationId: string;
  readonly kinds: readonly PathKind[];
  /** Aborted once the session kept a path (or gave up): a route may stop what it still tries. Streams that arrive later are closed. */
  readonly signal?: AbortSignal;
}

/** One path a route tries. */
export interface PathAttempt {
  readonly kind: PathKind;
  /** Where it goes, as people read it: `192.0.2.4:3389` for a direct path, the relay's host (`msg.example.org`) for a relayed one. */
  readonly via: string;
  readonly stream: Promise<Duplex>;
}

export interface RouteListening extends Disposable {
  readonly addresses: readonly string[];
  /** The local TCP port it listens on, when it has one: `routeOpened` lets a plugin map it on the router. */
  readonly port?: number;
}

export const NoviceRoute = token<NoviceRoute>('NoviceRoute');

/** What the novice's TLS shows a helper who offers, and checks the helper's certificate by: PEM texts. */
export interface OfferTls {
  /** This computer's certificate from the organisation's CA, and its key. */
  readonly keyPem: string;
  readonly certPem: string;
  /** The organisation's CA, the only issuer of helpers this computer takes. */
  readonly caPem: string;
  /** The CA's revocation list; once past its next update, OpenSSL fails every helper (fails closed). */
  readonly crlPem: string;
}

/** A helper's certificate as TLS left it: OpenSSL verified chain, dates and revocation, and `error` says what failed. */
export interface OfferingPeer {
  readonly certificate?: X509Certificate;
  readonly error?: string;
}

/**
 * Vouches for helpers who offer help unasked (Offer Remote Assistance): one plugin at most, `ra.offer`.
 * The session runs the offer's mutual TLS with what it gives, asks it about the helper before anything
 * else is read, and then treats the offer like an invitation: the novice accepts, View Only first.
 */
export interface OfferAuthority {
  /** Novice side: whether the policy takes offers now; while it does, the routes stay open for them. */
  welcome(): boolean;
  /** Novice side: the TLS for an offer; rejects with why this computer takes no offers now. */
  noviceTls(): Promise<OfferTls>;
  /** Novice side: who offers, from the certificate; rejects with why the helper is refused. */
  admit(peer: OfferingPeer): Promise<Certified>;
}

export const OfferAuthority = token<OfferAuthority>('OfferAuthority');

export { commonName, pemBlocks } from './session/identity-bundle.js';
