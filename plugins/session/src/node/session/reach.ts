import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { within } from '@ra/kernel/node';
import type { NoviceRoute, PathAttempt, PathKind, SessionPath } from '../api.js';
import { ProtocolError } from '../wire/framing.js';
import { PinMismatchError } from '../wire/tls.js';

/** How long a verified relayed path waits for a direct one to verify too: a direct path is faster and costs nobody's relay. */
export const RELAY_GRACE_MS = 3_000;

/** What the helper reaches the novice with: the addresses, and how TLS over each path proves it is the novice. */
export interface Target {
  /** What a rendezvous names the session by: the invitation, or `offer`. */
  readonly invitationId: string;
  readonly noviceName: string;
  readonly addresses: readonly string[];
  /** TLS over one path's stream, proving the novice (the invitation's pinned key, or the organisation's certificate); a PinMismatchError when it does not. */
  secure(stream: Duplex, label: string, address: string, path: PathAttempt, timeoutMs: number, signal: AbortSignal): Promise<TLSSocket>;
}

export interface ReachOptions {
  /** For each path: to get a stream from its route, then again for TLS. */
  readonly connectMs: number;
  /** The kinds of path the helper's policy allows. */
  readonly kinds: readonly PathKind[];
  readonly relayGraceMs?: number;
}

export interface Reached {
  readonly socket: TLSSocket;
  readonly path: SessionPath;
}

/**
 * Tries every path of every address at once, each through the first route that reaches the address,
 * and keeps one that proves it is the novice: a direct one as soon as it verifies; a relayed one once no
 * direct path verified within the grace (or every direct one failed). So a dead address (a VPN, a
 * Docker bridge) costs nothing, and a relay, which any peer could answer on, still has to show the key.
 * The others are closed. When none verifies, a key mismatch is reported over a plain failure.
 */
export function reachNovice(to: Target, routes: readonly NoviceRoute[], options: ReachOptions): Promise<Reached> {
  return new Promise((resolve, reject) => {
    const failures: Error[] = [];
    /** Every stream a route yielded and its TLS once verified, so the losers can be closed. */
    const streams = new Set<Duplex>();
    let pending = 0;
    let directPending = 0;
    let held: (Reached & { raw: Duplex }) | undefined;
    let done = false;
    /** Once one path is kept (or none can be): tells the routes, and closes the TLS handshakes still under way. */
    const losers = new AbortController();
    // Set by the timer itself: Node may fire a timer a little before Date.now() says it is due.
    let graceOver = false;
    const grace = setTimeout(() => ((graceOver = true), check()), options.relayGraceMs ?? RELAY_GRACE_MS);

    const finish = (winner?: Reached & { raw: Duplex }) => {
      done = true;
      clearTimeout(grace);
      losers.abort();
      for (const stream of streams) if (stream !== winner?.raw && stream !== winner?.socket) stream.destroy();
      if (winner) return resolve({ socket: winner.socket, path: winner.path });
      reject(
        failures.find((f) => f instanceof PinMismatchError) ??
          // Two paths through one route often fail for one reason: it is said once.
          new ProtocolError(
            `could not reach ${to.noviceName}'s computer: ${[...new Set(failures.map((f) => f.message))].join('; ') || 'the invitation has no address'}`,
          ),
      );
    };
    const check = () => {
      if (done) return;
      if (held && (directPending === 0 || graceOver)) return finish(held);
      if (pending === 0 && !held) finish();
    };

    const attempt = (address: string, path: PathAttempt) => {
      const label = path.kind === 'direct' ? address : `${address} through ${path.via}`;
      const direct = path.kind === 'direct';
      pending++;
      if (direct) directPending++;
      const settled = () => {
        pending--;
        if (direct) directPending--;
      };
      let late = false;
      const stream = path.stream.then((raw) => {
        // A stream that comes after the choice, or after its own time ran out, is not used.
        if (done || late) raw.destroy();
        else streams.add(raw);
        return raw;
      });
      within(stream, options.connectMs + 1_000, `connection to ${label} failed: no answer within ${Math.round(options.connectMs / 1000)} s`)
        .catch((e: Error) => {
          late = true;
          throw e;
        })
        .then((raw) => to.secure(raw, label, address, path, options.connectMs, losers.signal).then((socket) => ({ raw, socket })))
        .then(
          ({ raw, socket }) => {
            settled();
            if (done) return void socket.destroy();
            streams.add(socket);
            const reached = { raw, socket, path: { kind: path.kind, via: path.via } };
            if (direct) return finish(reached);
            if (held) return void socket.destroy();
            held = reached;
            // A relay that drops while it waits out the grace is no longer a way in.
            socket.once('close', () => {
              if (done || held !== reached) return;
              held = undefined;
              failures.push(new Error(`connection to ${label} closed`));
              check();
            });
            check();
          },
          (e: Error) => {
            settled();
            failures.push(e);
            check();
          },
        );
    };

    for (const address of to.addresses) {
      const route = routes.find((r) => r.reaches(address));
      if (!route) {
        failures.push(new Error(`no enabled way to reach ${address}`));
        continue;
      }
      let paths: PathAttempt[];
      try {
        paths = route.connect(address, { timeoutMs: options.connectMs, invitationId: to.invitationId, kinds: options.kinds, signal: losers.signal });
      } catch (e) {
        failures.push(new Error(`connection to ${address} failed: ${(e as Error).message}`));
        continue;
      }
      const allowed = paths.filter((p) => options.kinds.includes(p.kind));
      // A route that offers a kind the policy forbids anyway: its stream is closed unused.
      for (const p of paths)
        if (!allowed.includes(p))
          p.stream.then(
            (s) => s.destroy(),
            () => undefined,
          );
      if (!allowed.length) {
        const only = options.kinds.length === 1 ? `this computer's policy allows only ${options.kinds[0]} connections, and ` : '';
        failures.push(new Error(`${only}${route.title} has no way to ${address}`));
      }
      for (const p of allowed) attempt(address, p);
    }
    check();
  });
}
