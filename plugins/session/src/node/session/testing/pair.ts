import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { quietLogger, stubHooks } from '@ra/kernel/testing';
import { sessionHooks, type PathKind, type SessionChannel, type SolicitedPolicy } from '../../../common/api.js';
import type { NoviceRoute } from '../../api.js';
import { DirectRoute } from '../../direct-route.js';
import { readInvitation, type Invitation } from '../../invitation/format.js';
import type { NoviceIdentity } from '../../invitation/identity.js';
import { InvitationStore } from '../../invitation/store.js';
import type { WireTiming } from '../../wire/wire.js';
import { connectToNovice } from '../helper.js';
import { admitHelper } from '../novice.js';
import { SessionRegistry } from '../registry.js';
import type { Session } from '../session.js';
import { HandshakeSlots, SLOT_LIMITS, type SlotLimits } from '../slots.js';

export const SOLICITED: SolicitedPolicy = { allowed: true, allowControl: true, maxLifetime: '30d' };

/** The helper's way to the novice: the real direct route, which needs no listener on this side. */
const direct = new DirectRoute(
  () => assert.fail('the helper listens for nobody'),
  () => ({ port: 'off', host: '127.0.0.1' }),
);

export interface PairOptions {
  readonly channels?: readonly SessionChannel[];
  readonly handshakeMs?: number;
  readonly consentMs?: number;
  /** How long the helper waits for the answer. */
  readonly helperConsentMs?: number;
  readonly timing?: WireTiming;
  /** The helper's own, when it must differ from the novice's. */
  readonly helperTiming?: WireTiming;
  readonly slots?: SlotLimits;
  /** How long a dropped session waits to resume. */
  readonly resumeMs?: number;
}

/** A novice listening on 127.0.0.1 with the real handshake, and a helper registry to connect from. */
export class SessionPair {
  policy = SOLICITED;
  veto?: string;
  /** The kinds of path the novice's policy allows. */
  kinds: readonly PathKind[] = ['direct', 'relayed'];
  readonly novice: SessionRegistry;
  readonly helper: SessionRegistry;
  port = 0;
  /** Where the novice takes helpers as if a relay (`relay.test`) carried them. */
  relayPort = 0;
  private readonly server: Server;
  private readonly relay: Server;
  private readonly accepted = new Set<Socket>();

  private constructor(
    readonly store: InvitationStore,
    private readonly identity: NoviceIdentity,
    private readonly options: PairOptions,
  ) {
    const hooks = () => sessionHooks(stubHooks({ sessionConnecting: async () => this.veto }));
    const channels = () => [...(options.channels ?? [])];
    this.novice = new SessionRegistry(channels, hooks(), quietLogger, options.resumeMs);
    this.helper = new SessionRegistry(channels, hooks(), quietLogger, options.resumeMs);
    const deps = {
      identity,
      desk: store,
      registry: this.novice,
      hooks: hooks(),
      logger: quietLogger,
      slots: new HandshakeSlots(options.slots ?? SLOT_LIMITS),
      handshakeMs: options.handshakeMs,
      consentMs: options.consentMs,
      timing: options.timing,
      policy: () => this.policy,
      kinds: () => this.kinds,
      noviceName: () => 'Nora',
    };
    this.server = createServer((socket) => {
      this.accepted.add(socket);
      socket.once('close', () => this.accepted.delete(socket));
      void admitHelper(socket, `${socket.remoteAddress}:${socket.remotePort}`, 'direct', deps);
    });
    this.relay = createServer((socket) => void admitHelper(socket, 'relay.test', 'relayed', deps));
  }

  static async start(home: string, identity: NoviceIdentity, options: PairOptions = {}): Promise<SessionPair> {
    const pair = new SessionPair(await InvitationStore.open(await mkdtemp(join(home, 'store-'))), identity, options);
    for (const server of [pair.server, pair.relay]) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    pair.port = (pair.server.address() as { port: number }).port;
    pair.relayPort = (pair.relay.address() as { port: number }).port;
    return pair;
  }

  async invite(password = 'pass', minutes = 60): Promise<Invitation> {
    const { file } = await this.store.mint(
      { noviceName: 'Nora', message: '', expiresAt: new Date(Date.now() + minutes * 60_000), password, addresses: [`127.0.0.1:${this.port}`] },
      this.identity,
    );
    return readInvitation(file);
  }

  /** The helper opens the invitation, by `routes` (the direct one unless said) under a policy allowing `kinds`. */
  open(
    invitation: Invitation,
    password: string,
    addresses = invitation.addresses,
    name = 'Hank',
    routes: readonly NoviceRoute[] = [direct],
    kinds: readonly PathKind[] = ['direct', 'relayed'],
  ): Session {
    return connectToNovice({ ...invitation, addresses }, password, name, {
      registry: this.helper,
      logger: quietLogger,
      routes: () => routes,
      kinds: () => kinds,
      open: (s) => this.helper.openHelper(s),
      timing: this.options.helperTiming ?? this.options.timing,
      consentMs: this.options.helperConsentMs,
    });
  }

  pendingNovice() {
    return this.novice.list().find((s) => s.state === 'awaiting-consent');
  }

  /** A helper that is in: the password proven and the novice's Accept given. */
  async connected(): Promise<Session> {
    const session = this.open(await this.invite(), 'pass');
    await until(session, ['awaiting-consent']);
    await this.novice.accept(this.pendingNovice()!.id);
    await until(session, ['open']);
    return session;
  }

  /** The path between them breaks, as when a relay node dies: every connection the novice took is reset. */
  cut(): void {
    for (const socket of this.accepted) socket.resetAndDestroy();
  }

  /** The novice stops taking connections (a resume cannot come back) until `listen`. */
  deafen(): void {
    this.server.close();
  }

  /** Takes connections again after `deafen`, on the same port. */
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    this.novice.dispose();
    this.helper.dispose();
    for (const server of [this.server, this.relay]) if (server.listening) await new Promise((r) => server.close(r));
  }
}

export async function until(session: Session, states: string[], ms = 5000): Promise<ReturnType<Session['view']>> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (states.includes(session.current)) return session.view();
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`session stayed ${session.current}: ${session.view().reason}`);
}

/** Waits for `check` to hold, polling; fails with `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting until ${what}`);
}
