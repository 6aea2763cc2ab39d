import { userInfo } from 'node:os';
import { ApiError, HostEnvironment, PolicyService, ServiceUnavailableError, toDisposable, type Disposable, type Logger } from '@ra/kernel';
import type { PluginContext } from '@ra/kernel/node';
import {
  allowedPaths,
  DesktopIndicator,
  InvitationTransport,
  NETWORK_SECTION,
  SessionChannel,
  sessionHooks,
  SOLICITED_SECTION,
  type NetworkPolicy,
  type SessionHooks,
  type SolicitedPolicy,
} from '../common/api.js';
import { NoviceRoute, OfferAuthority, type PathKind, type RouteListening } from './api.js';
import { checkAddress } from './invitation/address.js';
import { InvitationError, readInvitation, type Invitation } from './invitation/format.js';
import { isInvitationLink, readInvitationLink } from './invitation/link.js';
import { NoviceIdentity } from './invitation/identity.js';
import { InvitationStore } from './invitation/store.js';
import { Invitations, inviteLimits, type InviteRequest } from './invitations.js';
import { readableTime, type InvitationPreview } from '../common/views.js';
import type { OpenRequest } from './routes.js';
import { connectToNovice, offerHelp, type HelperDeps } from './session/helper.js';
import { readHelperIdentity } from './session/identity-bundle.js';
import { admitHelper, type NoviceDeps } from './session/novice.js';
import { HandshakeSlots } from './session/slots.js';
import { SessionRegistry } from './session/registry.js';
import { driveIndicators } from './indicator.js';

/** Everything `ra.session` runs, created at activation and torn down with the plugin. */
export class SessionRuntime {
  private context?: PluginContext;
  private hooks!: SessionHooks;
  private identity!: NoviceIdentity;
  store!: InvitationStore;
  registry!: SessionRegistry;
  invitations!: Invitations;
  private readonly listening: Opened[] = [];
  private listenError?: string;
  /** Opening and closing the routes, one change at a time. */
  private listenChange: Promise<void> = Promise.resolve();
  private admission?: NoviceDeps;
  /** Invitations being made now: their addresses must stay reachable until they are saved. */
  private minting = 0;
  private readonly invitationListeners = new Set<() => void>();
  private expiryTimer?: NodeJS.Timeout;
  /** The settings the routes listen with; a change reopens them. */
  private routeKey = '';
  /** The kinds of path the `network` policy allows. */
  private kinds: () => readonly PathKind[] = () => ['direct', 'relayed'];

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
    this.kinds = () => allowedPaths(ctx.get(PolicyService).section<NetworkPolicy>(NETWORK_SECTION));
    // What the signed file itself says, defaults left out: only that is "set by your organization".
    const policyFile = () => ctx.get(PolicyService).current().policy.sections[SOLICITED_SECTION] as Partial<SolicitedPolicy> | undefined;
    this.invitations = new Invitations({
      store: this.store,
      hooks: this.hooks,
      limits: () => inviteLimits(policy(), ctx.settings, policyFile()?.maxLifetime !== undefined),
      transports: () => this.transports(),
      defaultName: () => userInfo().username,
      logger: ctx.logger,
      changed: () => this.invitationsChanged(),
      mint: {
        mint: async (fields) => {
          this.minting++;
          try {
            return await this.store.mint({ ...fields, addresses: await this.reachable() }, this.identity);
          } finally {
            this.minting--;
          }
        },
      },
    });
    this.admission = {
      identity: this.identity,
      desk: this.desk(),
      registry: this.registry,
      hooks: this.hooks,
      logger: ctx.logger,
      slots: new HandshakeSlots(),
      kinds: () => this.kinds(),
      // The user's "Allow Remote Assistance on this computer" turns helpers away as the policy does.
      policy: () => ({ ...policy(), allowed: policy().allowed && ctx.settings.allowed !== false }),
      noviceName: () => userInfo().username,
      offers: {
        noviceTls: () => {
          const authority = this.authority();
          if (ctx.settings.allowed === false) return Promise.reject(new Error('Remote Assistance is turned off on this computer'));
          if (!authority) return Promise.reject(new Error('this computer takes no offers of help: no plugin checks helpers’ certificates'));
          return authority.noviceTls();
        },
        admit: (peer) => this.authority()?.admit(peer) ?? Promise.reject(new Error('this computer takes no offers of help')),
      },
    };
    this.context = ctx;
    this.routeKey = routeKey(ctx.settings);
    // Settings apply live: sessions in progress go on unless the change forbids them.
    ctx.onDidChangeSettings((settings) => this.settingsChanged(settings));
    ctx.subscriptions.add(this.registry.subscribe({ changed: () => this.syncListening(), frame: () => undefined }));
    ctx.subscriptions.add(toDisposable(() => void this.stopListening()));
    ctx.subscriptions.add(toDisposable(() => this.registry.dispose()));
    ctx.subscriptions.add(driveIndicators(this.registry, () => ctx.contributions(DesktopIndicator), ctx.logger));
    ctx.subscriptions.add(toDisposable(() => clearTimeout(this.expiryTimer)));
    ctx.subscriptions.add(this.watchRoutes());
    this.scheduleExpiry();
    await this.syncListening();
  }

  /**
   * Helpers can reach this computer only while it waits for one: while an invitation is open, or a
   * session of the novice's runs. Otherwise nothing listens, and there is nothing to flood.
   */
  private syncListening(): Promise<void> {
    this.listenChange = this.listenChange.then(async () => {
      const settings = this.context!.settings;
      const allowed = settings.allowed !== false;
      const open = allowed && (await this.store.list()).some((r) => r.status === 'open' && r.expiresAt.getTime() > Date.now());
      const live = this.registry.list().some((s) => s.role === 'novice' && s.state !== 'ended');
      // "Listen only while an invitation is open" off: this computer waits for helpers all the time.
      const always = allowed && settings.listenOnlyWhileInvited === false;
      // A helpdesk's offers come unannounced: while the policy takes them, this computer waits for them.
      const offers = allowed && this.authority()?.welcome() === true;
      if (open || live || this.minting || always || offers) await this.listen();
      else await this.stopListening();
    });
    return this.listenChange.catch((e: Error) => this.logger.error(`cannot open or close the ways helpers reach this computer: ${e.message}`));
  }

  /**
   * Looks each second: offers become welcome once `ra.offer` is active and its policy says so, and both may change
   * while RA runs; and while this computer listens (or offers are welcome), a route that could not listen when the
   * others began (the messenger signed in only since) is tried again, since an invitation's helper or an offer may
   * come by any of them.
   */
  private watchRoutes(): Disposable {
    let welcome = false;
    /** One retry at a time: a slow route (a router's mapping) must not pile them up behind the invitations. */
    let retrying = false;
    const timer = setInterval(() => {
      const now = this.authority()?.welcome() === true;
      if (now !== welcome) {
        welcome = now;
        return void this.syncListening();
      }
      const missing = this.listening.length < this.context!.contributions(NoviceRoute).length;
      if ((!welcome && !this.listening.length) || !missing || retrying) return;
      retrying = true;
      this.listenChange = this.listenChange
        .then(() => this.openMissingRoutes())
        .catch((e: Error) => this.logger.warn(e.message))
        .finally(() => (retrying = false));
    }, 1_000);
    timer.unref();
    return toDisposable(() => clearInterval(timer));
  }

  /** The addresses an invitation made now lists; starts listening first, or says why helpers could not reach it. */
  private async reachable(): Promise<string[]> {
    await (this.listenChange = this.listenChange.then(() => this.listen()));
    if (!this.listening.length) throw new ApiError(503, `helpers cannot reach this computer, so an invitation would not work: ${this.listenError}`);
    const addresses = [...new Set(this.listening.flatMap((l) => l.addresses))];
    if (addresses.length > MAX_ADDRESSES)
      this.logger.warn(`an invitation lists at most ${MAX_ADDRESSES} addresses; left out ${addresses.slice(MAX_ADDRESSES).join(', ')}`);
    return addresses.slice(0, MAX_ADDRESSES);
  }

  /**
   * The novice's side of every route: each takes helpers' connections over the kinds of path the policy allows
   * and says where helpers find this computer. One that listens on a port fires `routeOpened`, whose taps may add
   * addresses (a router's, once it mapped the port).
   */
  private async listen(): Promise<void> {
    if (this.listening.length) return;
    const failures: string[] = [];
    for (const route of this.context!.contributions(NoviceRoute)) {
      const failed = await this.openRoute(route);
      if (failed) failures.push(`${route.title}: ${failed}`);
    }
    if (this.listening.length) return;
    // A helper-only RA (`RA_PORT=off`, `ra snapshot`) has no route listening, and says so quietly.
    this.listenError = failures.join('; ') || 'no plugin offers a way for helpers to reach this computer';
    this.logger[failures.some((f) => f.includes('RA_PORT=off')) ? 'info' : 'error'](this.listenError);
  }

  /** Starts one route listening, with the kinds of path the policy allows; returns why it could not. */
  private async openRoute(route: NoviceRoute): Promise<string | undefined> {
    try {
      const listening = await route.listen((stream, from, kind) => void admitHelper(stream, from, kind, this.admission!), { kinds: this.kinds() });
      const addresses = await this.opened(route.id, listening).catch((e: Error) => {
        this.logger.warn(`routeOpened failed for ${route.title}: ${e.message}`);
        return [...listening.addresses];
      });
      this.listening.push({ route: route.id, listening, addresses });
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /**
   * The routes that could not listen when the others began, tried again. Quietly: why each failed was said when it
   * first did.
   */
  private async openMissingRoutes(): Promise<void> {
    for (const route of this.context!.contributions(NoviceRoute)) {
      if (!this.listening.some((l) => l.route === route.id)) await this.openRoute(route);
    }
  }

  /**
   * A settings change, heard instead of a restart. Turning Remote Assistance off ends the novice's
   * sessions, which it forbids; a new port or address reopens the routes; the rest applies to what comes next.
   */
  private settingsChanged(settings: Readonly<Record<string, unknown>>): void {
    if (settings.allowed === false) {
      for (const s of this.registry.list()) {
        if (s.role === 'novice' && s.state !== 'ended') this.registry.get(s.id).disconnect('novice', 'Remote Assistance was turned off on this computer');
      }
    }
    const key = routeKey(settings);
    if (key !== this.routeKey) {
      this.routeKey = key;
      this.listenChange = this.listenChange.then(() => this.stopListening());
    }
    this.invitationsChanged();
  }

  /** `routeOpened` for a route listening on a port: the addresses its taps leave, each checked. */
  private async opened(route: string, listening: RouteListening): Promise<string[]> {
    if (listening.port === undefined) return [...listening.addresses];
    const result = await this.hooks.routeOpened.call({ route, port: listening.port, addresses: [...listening.addresses] });
    const addresses = Array.isArray(result?.addresses) ? (result.addresses as unknown[]) : listening.addresses;
    return addresses.flatMap((a) => {
      try {
        return [checkAddress(String(a), true)];
      } catch (e) {
        this.logger.warn(`left an address a routeOpened tap gave out of invitations: ${(e as Error).message}`);
        return [];
      }
    });
  }

  private async stopListening(): Promise<void> {
    for (const { route, listening } of this.listening.splice(0)) {
      await listening.dispose();
      // When RA stops, ra.session's hooks go before its routes close; the tappers have stopped first.
      if (listening.port !== undefined) await this.hooks.routeClosed.call({ route, port: listening.port }).catch(() => undefined);
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

  async resend(invitationId: string, request: { via: string; target?: string }) {
    try {
      return await this.invitations.resend(invitationId, request);
    } finally {
      this.invitationsChanged();
    }
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
    const invitation = await this.readOpened(request);
    if (invitation.expiresAt.getTime() <= Date.now())
      throw new ApiError(400, `this invitation expired on ${readableTime(invitation.expiresAt)}; ask for a new one`);
    if (invitation.passwordRequired && !request.password) throw new ApiError(400, 'this invitation needs the password the other person chose');
    return connectToNovice(invitation, request.password, request.helperName || userInfo().username, this.helperDeps()).view();
  }

  /** Offer Remote Assistance: reaches the novice at `address` with the helper's certificate file, and waits for Accept. */
  offer(request: { address: string; identity: string }) {
    let address: string;
    let identity: ReturnType<typeof readHelperIdentity>;
    try {
      address = checkAddress(request.address);
      identity = readHelperIdentity(request.identity);
    } catch (e) {
      throw new ApiError(400, (e as Error).message);
    }
    return offerHelp(address, identity, this.helperDeps()).view();
  }

  private helperDeps(): HelperDeps {
    const routes = this.context!.contributions(NoviceRoute);
    return { registry: this.registry, logger: this.logger, routes: () => routes, kinds: () => this.kinds(), open: (s) => this.registry.openHelper(s) };
  }

  /** The plugin that vouches for helpers who offer, while one is active. */
  private authority(): OfferAuthority | undefined {
    try {
      return this.context?.get(OfferAuthority);
    } catch (e) {
      if (e instanceof ServiceUnavailableError) return undefined;
      throw e;
    }
  }

  /** What an invitation says, its signature and key checked, before the helper types a password or anything connects. */
  async preview(request: Omit<OpenRequest, 'password' | 'helperName'>): Promise<InvitationPreview> {
    const i = await this.readOpened(request);
    return {
      noviceName: i.noviceName,
      message: i.message,
      expiresAt: i.expiresAt.toISOString(),
      expired: i.expiresAt.getTime() <= Date.now(),
      passwordRequired: i.passwordRequired,
      addresses: i.addresses,
    };
  }

  /** The invitation the helper gave: a file, its text, or an `ra-invite:` link (which needs no transport to fetch it). */
  private async readOpened(request: Omit<OpenRequest, 'password' | 'helperName'>): Promise<Invitation> {
    const given = request.invitation ?? request.source;
    if (typeof given === 'string' && isInvitationLink(given)) return readInvitationLink(given);
    return readInvitation(await this.invitationBytes(request));
  }

  private async invitationBytes(request: Omit<OpenRequest, 'password' | 'helperName'>): Promise<string | Uint8Array> {
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

  invitationsChanged(): void {
    for (const l of this.invitationListeners) l();
    this.scheduleExpiry();
    void this.syncListening();
  }
}

/** A route listening now, and the addresses invitations list for it. */
interface Opened {
  readonly route: string;
  readonly listening: RouteListening;
  readonly addresses: readonly string[];
}

/** As the invitation format allows. */
const MAX_ADDRESSES = 16;

function routeKey(settings: Readonly<Record<string, unknown>>): string {
  return JSON.stringify([settings.port, settings.listenHost, settings.addresses]);
}
