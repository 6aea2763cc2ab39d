import { userInfo } from 'node:os';
import { ApiError, HostEnvironment, PolicyService, toDisposable, type Disposable, type Logger } from '@ra/kernel';
import type { PluginContext } from '@ra/kernel/node';
import { InvitationTransport, SessionChannel, sessionHooks, SOLICITED_SECTION, type SessionHooks, type SolicitedPolicy } from '../common/api.js';
import { NoviceRoute, type RouteListening } from './api.js';
import { InvitationError, readInvitation } from './invitation/format.js';
import { NoviceIdentity } from './invitation/identity.js';
import { InvitationStore } from './invitation/store.js';
import { Invitations, type InviteRequest } from './invitations.js';
import type { OpenRequest } from './routes.js';
import { connectToNovice } from './session/helper.js';
import { admitHelper } from './session/novice.js';
import { SessionRegistry } from './session/registry.js';

/** Everything `ra.session` runs, created at activation and torn down with the plugin. */
export class SessionRuntime {
  private context?: PluginContext;
  private hooks!: SessionHooks;
  private identity!: NoviceIdentity;
  store!: InvitationStore;
  registry!: SessionRegistry;
  invitations!: Invitations;
  private readonly listening: RouteListening[] = [];
  private listenError?: string;
  private readonly invitationListeners = new Set<() => void>();
  private expiryTimer?: NodeJS.Timeout;

  get logger(): Logger {
    return this.context!.logger;
  }

  /** The runtime, once activation finished; routes that come earlier get a 503. */
  ready(): this {
    if (!this.context) throw new ApiError(503, 'the session plugin is still starting');
    return this;
  }

  async start(ctx: PluginContext): Promise<void> {
    const environment = ctx.get(HostEnvironment);
    this.hooks = sessionHooks(ctx.hooks);
    this.identity = await NoviceIdentity.open(environment.home);
    this.store = await InvitationStore.open(environment.home);
    this.registry = new SessionRegistry(() => ctx.contributions(SessionChannel), this.hooks, ctx.logger);
    const policy = () => ctx.get(PolicyService).section<SolicitedPolicy>(SOLICITED_SECTION);
    this.invitations = new Invitations({
      store: this.store,
      hooks: this.hooks,
      policy,
      transports: () => this.transports(),
      defaultName: () => userInfo().username,
      mint: {
        mint: (fields) => {
          if (!this.listening.length) throw new ApiError(503, `helpers cannot reach this computer, so an invitation would not work: ${this.listenError}`);
          return this.store.mint({ ...fields, addresses: this.listening.flatMap((l) => l.addresses) }, this.identity);
        },
      },
    });
    await this.listen(ctx, policy);
    ctx.subscriptions.add(toDisposable(() => this.registry.dispose()));
    ctx.subscriptions.add(toDisposable(() => clearTimeout(this.expiryTimer)));
    this.context = ctx;
    this.scheduleExpiry();
  }

  /**
   * The novice's side of every route: each takes helpers' connections and says where helpers find
   * this computer. A helper-only RA (`RA_PORT=off`, `ra snapshot`) has none listening.
   */
  private async listen(ctx: PluginContext, policy: () => SolicitedPolicy): Promise<void> {
    const deps = {
      identity: this.identity,
      desk: this.desk(),
      registry: this.registry,
      hooks: this.hooks,
      logger: ctx.logger,
      handshakes: { active: 0 },
      policy,
    };
    const failures: string[] = [];
    for (const route of ctx.contributions(NoviceRoute)) {
      try {
        const listening = await route.listen((stream, from) => void admitHelper(stream, from, deps));
        this.listening.push(ctx.subscriptions.add(listening));
      } catch (e) {
        failures.push(`${route.title}: ${(e as Error).message}`);
      }
    }
    if (!this.listening.length) {
      this.listenError = failures.join('; ') || 'no plugin offers a way for helpers to reach this computer';
      ctx.logger[failures.some((f) => f.includes('RA_PORT=off')) ? 'info' : 'error'](this.listenError);
    }
  }

  private desk() {
    return {
      get: (id: string) => this.store.get(id),
      scalar: (id: string) => this.store.scalar(id),
      recordFailedAttempt: async (id: string) => {
        const record = await this.store.recordFailedAttempt(id);
        this.invitationsChanged();
        return record;
      },
    };
  }

  /**
   * Wakes when the next open invitation runs out: the pages learn it expired, and so do the
   * `invitationExpired` taps. Rescheduled whenever the invitations change.
   */
  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    void this.store.list().then(
      (records) => {
        const now = Date.now();
        const next = Math.min(...records.filter((r) => r.status === 'open').map((r) => r.expiresAt.getTime()));
        if (!Number.isFinite(next)) return;
        this.expiryTimer = setTimeout(
          () => {
            const ran = records.filter((r) => r.status === 'open' && r.expiresAt.getTime() <= Date.now());
            for (const r of ran) void this.hooks.invitationExpired.call({ ...r, status: 'expired' });
            this.invitationsChanged();
          },
          Math.min(Math.max(next - now, 0) + 50, 2 ** 31 - 1),
        );
        this.expiryTimer.unref();
      },
      (e: Error) => this.context?.logger.warn(`cannot read the invitations: ${e.message}`),
    );
  }

  transports(): InvitationTransport[] {
    return this.context!.contributions(InvitationTransport);
  }

  async invite(request: InviteRequest) {
    const result = await this.invitations.create(request);
    this.invitationsChanged();
    return result;
  }

  async changeInvitation(what: 'expire' | 'delete', invitationId: string) {
    const record = await this.invitations[what](invitationId);
    for (const s of this.registry.list()) {
      if (s.role === 'novice' && s.invitationId === invitationId && s.state === 'awaiting-consent') this.registry.decline(s.id);
    }
    this.invitationsChanged();
    return record;
  }

  onInvitationsChanged(listener: () => void): Disposable {
    this.invitationListeners.add(listener);
    return toDisposable(() => void this.invitationListeners.delete(listener));
  }

  /** The helper opens an invitation, given as text or fetched by a transport, and connects. */
  async open(request: OpenRequest) {
    const invitation = readInvitation(await this.invitationBytes(request));
    if (invitation.expiresAt.getTime() <= Date.now())
      throw new ApiError(400, `this invitation expired on ${invitation.expiresAt.toISOString()}; ask for a new one`);
    if (invitation.passwordRequired && !request.password) throw new ApiError(400, 'this invitation needs the password the other person chose');
    const routes = this.context!.contributions(NoviceRoute);
    const session = connectToNovice(invitation, request.password, request.helperName || userInfo().username, {
      registry: this.registry,
      logger: this.logger,
      routes: () => routes,
      open: (s) => this.registry.openHelper(s),
    });
    return session.view();
  }

  private async invitationBytes(request: OpenRequest): Promise<string | Uint8Array> {
    if (request.invitation) return request.invitation;
    const source = request.source;
    if (!source) throw new ApiError(400, "give the invitation: 'invitation' (its text) or 'source' (a file or an address)");
    const receivers = this.transports().filter((t) => t.receive);
    const transport = request.via ? receivers.find((t) => t.id === request.via) : receivers.find((t) => t.accepts?.(source));
    if (!transport) {
      const which = request.via ? `no enabled transport '${request.via}' can open invitations` : `no enabled transport can open '${source}'`;
      throw new ApiError(400, `${which}; enabled: ${receivers.map((t) => t.title).join(', ') || 'none'}`);
    }
    return transport.receive!(source).catch((e: Error) => {
      throw new InvitationError(`cannot open the invitation: ${e.message}`);
    });
  }

  private invitationsChanged(): void {
    for (const l of this.invitationListeners) l();
    this.scheduleExpiry();
  }
}
