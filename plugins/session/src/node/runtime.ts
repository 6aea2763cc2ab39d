import { networkInterfaces, userInfo } from 'node:os';
import { ApiError, HostEnvironment, PolicyService, toDisposable, type Disposable, type Logger } from '@ra/kernel';
import { InvitationTransport, SessionChannel } from '../common/api.js';
import { NetworkListener, type Listening, type PluginContext } from '@ra/kernel/node';
import { sessionHooks, SOLICITED_SECTION, type SessionHooks, type SolicitedPolicy } from '../common/api.js';
import { DEFAULT_PORT, formatAddress, parseAddress } from './invitation/address.js';
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
  private listening?: Listening;
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
          if (!this.listening) throw new ApiError(503, `helpers cannot reach this computer, so an invitation would not work: ${this.listenError}`);
          return this.store.mint({ ...fields, addresses: this.addresses() }, this.identity);
        },
      },
    });
    await this.listen(ctx, environment.listenPort, policy);
    ctx.subscriptions.add(toDisposable(() => this.registry.dispose()));
    ctx.subscriptions.add(toDisposable(() => clearTimeout(this.expiryTimer)));
    this.context = ctx;
    this.scheduleExpiry();
  }

  /** The novice's listener; a helper-only RA (`RA_PORT=off`, `ra snapshot`) opens none. */
  private async listen(ctx: PluginContext, listenPort: number | 'off' | undefined, policy: () => SolicitedPolicy): Promise<void> {
    if (listenPort === 'off') return void (this.listenError = 'this RA only helps others (RA_PORT=off)');
    const port = listenPort ?? (Number(ctx.settings.port) || DEFAULT_PORT);
    const host = String(ctx.settings.listenHost ?? '0.0.0.0');
    const desk = {
      get: (id: string) => this.store.get(id),
      scalar: (id: string) => this.store.scalar(id),
      recordFailedAttempt: async (id: string) => {
        const record = await this.store.recordFailedAttempt(id);
        this.invitationsChanged();
        return record;
      },
    };
    const deps = { identity: this.identity, desk, registry: this.registry, hooks: this.hooks, logger: ctx.logger, handshakes: { active: 0 }, policy };
    try {
      this.listening = await ctx.get(NetworkListener).listen({ host, port }, (socket) => void admitHelper(socket, deps));
    } catch (e) {
      this.listenError = `cannot listen on ${host}:${port}: ${(e as Error).message}`;
      ctx.logger.error(this.listenError);
    }
  }

  /**
   * Wakes when the next open invitation runs out: the pages learn it expired, and so do the
   * `invitationExpired` taps. Rescheduled whenever the invitations change.
   */
  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    void this.store.list().then((records) => {
      const now = Date.now();
      const next = Math.min(...records.filter((r) => r.status === 'open').map((r) => r.expiresAt.getTime()));
      if (!Number.isFinite(next)) return;
      this.expiryTimer = setTimeout(() => {
        const ran = records.filter((r) => r.status === 'open' && r.expiresAt.getTime() <= Date.now());
        for (const r of ran) void this.hooks.invitationExpired.call({ ...r, status: 'expired' });
        this.invitationsChanged();
      }, Math.min(Math.max(next - now, 0) + 50, 2 ** 31 - 1));
      this.expiryTimer.unref();
    }, (e: Error) => this.context?.logger.warn(`cannot read the invitations: ${e.message}`));
  }

  transports(): InvitationTransport[] {
    return this.context!.contributions(InvitationTransport);
  }

  async invite(request: InviteRequest) {
    const result = await this.invitations.create(request);
    this.invitationsChanged();
    return result;
  }

  async changeInvitation(what: 'expire' | 'delete', ticketId: string) {
    const record = await this.invitations[what](ticketId);
    for (const s of this.registry.list()) {
      if (s.role === 'novice' && s.ticketId === ticketId && s.state === 'awaiting-consent') this.registry.decline(s.id);
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
    if (invitation.expiresAt.getTime() <= Date.now()) throw new ApiError(400, `this invitation expired on ${invitation.expiresAt.toISOString()}; ask for a new one`);
    if (invitation.passwordRequired && !request.password) throw new ApiError(400, 'this invitation needs the password the other person chose');
    const session = connectToNovice(
      { ...invitation, addresses: invitation.addresses.map((a) => parseAddress(a)) },
      request.password,
      request.helperName || userInfo().username,
      { registry: this.registry, logger: this.logger, open: (s) => this.registry.openHelper(s) },
    );
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

  /** Where helpers can reach this computer: the listen address, or every outside IPv4 address. */
  private addresses(): string[] {
    const { host, port } = this.listening!;
    const configured = this.context!.settings.addresses;
    if (Array.isArray(configured) && configured.length) return configured.map((a) => formatAddress(parseAddress(String(a).includes(':') ? String(a) : `${a}:${port}`)));
    if (host !== '0.0.0.0' && host !== '::') return [formatAddress({ host, port })];
    const outside = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((i) => i.family === 'IPv4' && !i.internal);
    return (outside.length ? outside.map((i) => i.address) : ['127.0.0.1']).map((a) => formatAddress({ host: a, port }));
  }

  private invitationsChanged(): void {
    for (const l of this.invitationListeners) l();
    this.scheduleExpiry();
  }
}
