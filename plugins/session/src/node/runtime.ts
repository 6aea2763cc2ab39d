import { networkInterfaces, userInfo } from 'node:os';
import {
  ApiError,
  InvitationTransport,
  NetworkListener,
  PolicyService,
  SessionChannel,
  toDisposable,
  type Disposable,
  type Listening,
  type Logger,
} from '@ra/kernel';
import type { PluginContext } from '@ra/kernel/node';
import { DEFAULT_PORT, formatAddress, parseAddress } from './invitation/address.js';
import { InvitationError, readInvitation } from './invitation/format.js';
import { NoviceIdentity } from './invitation/identity.js';
import { TicketStore } from './invitation/store.js';
import { Invitations, type InviteRequest } from './invitations.js';
import type { OpenRequest } from './routes.js';
import { connectToNovice } from './session/helper.js';
import { admitHelper } from './session/novice.js';
import { SessionRegistry } from './session/registry.js';

/** Everything `ra.session` runs, created at activation and torn down with the plugin. */
export class SessionRuntime implements Disposable {
  private context?: PluginContext;
  private identity!: NoviceIdentity;
  store!: TicketStore;
  registry!: SessionRegistry;
  invitations!: Invitations;
  private listening?: Listening;
  private listenError?: string;
  private readonly invitationListeners = new Set<() => void>();

  get logger(): Logger {
    return this.context!.logger;
  }

  /** The runtime, once activation finished; routes that come earlier get a 503. */
  ready(): this {
    if (!this.context) throw new ApiError(503, 'the session plugin is still starting');
    return this;
  }

  async start(ctx: PluginContext): Promise<void> {
    this.identity = await NoviceIdentity.open(ctx.home);
    this.store = await TicketStore.open(ctx.home);
    this.registry = new SessionRegistry(() => ctx.contributions(SessionChannel), ctx.hooks, ctx.logger);
    const policy = () => ctx.get(PolicyService).current().policy;
    this.invitations = new Invitations({
      store: this.store,
      hooks: ctx.hooks,
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
    const port = Number(process.env.RA_PORT) || Number(ctx.settings.port) || DEFAULT_PORT;
    const host = String(ctx.settings.listenHost ?? '0.0.0.0');
    const deps = { identity: this.identity, desk: this.store, registry: this.registry, hooks: ctx.hooks, logger: ctx.logger, policy };
    try {
      this.listening = await ctx.get(NetworkListener).listen({ host, port }, (socket) => void admitHelper(socket, deps));
    } catch (e) {
      this.listenError = `cannot listen on ${host}:${port}: ${(e as Error).message}`;
      ctx.logger.error(this.listenError);
    }
    ctx.subscriptions.add(toDisposable(() => this.registry.dispose()));
    this.context = ctx;
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
    if (!request.source) throw new ApiError(400, "give the invitation: 'invitation' (its text) or 'source' with 'via'");
    const via = request.via ?? 'file';
    const transport = this.transports().find((t) => t.id === via && t.receive);
    if (!transport) throw new ApiError(400, `no enabled transport '${via}' can open invitations`);
    return transport.receive!(request.source).catch((e: Error) => {
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
  }

  dispose(): void {
    this.listening?.dispose();
  }
}
