import { readSmallFile, within } from '@ra/kernel/node';
import { ApiError, toDisposable, type Disposable, type Logger } from '@ra/kernel';
import {
  normaliseUser,
  USER_NAME,
  type Contact,
  type NodeRelay,
  type OwnPresence,
  type SentInvite,
  type ServerFrame,
  type SessionGrant,
} from '../common/protocol.js';
import type { ConnectionState, MessengerChange, MessengerStatus } from '../common/api.js';
import type { Account, AccountFile } from './account.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { Link, type Request } from './link.js';
import { serverRefusal, type MessengerPolicy, type MessengerSettings } from './policy.js';
import { relayPlan, type RelayPlan } from './relay-plan.js';
import { Roster } from './roster.js';
import { NetworkError, TrustError, type Trust } from './secure-socket.js';
import {
  describeNode,
  formatServers,
  fromRandom,
  normaliseFingerprint,
  parseServers,
  resolveHost,
  resolveNodes,
  type ServerAddress,
} from './server-address.js';

export interface ClientDeps {
  readonly accounts: AccountFile;
  readonly settings: () => MessengerSettings;
  readonly policy: () => MessengerPolicy;
  readonly logger: Logger;
  readonly connection?: ConnectionOptions;
}

export interface SignIn {
  readonly server?: string;
  readonly fingerprint?: string;
  readonly caFile?: string;
  readonly user: string;
  readonly password: string;
  /** Make the account first, with this display name. */
  readonly register?: { readonly displayName: string };
}

/** Each step of an invitation this user sent, as the server reports it. */
export type StepListener = (sent: SentInvite, detail?: string) => void;

/** A CA file is a certificate or two, never more. */
const MAX_CA_BYTES = 256 * 1024;
/** How long a sign-in waits for the server's welcome after the token. */
const SETTLE_MS = 10_000;

/**
 * The messenger as this RA uses it: the account, the live connection, and what the server pushes.
 * The transport, the route and the API all work through it.
 */
export class MessengerClient implements Disposable {
  private account?: Account;
  private connection?: Connection;
  private own?: OwnPresence;
  /** The relay of the node connected to, as its welcome told. */
  private nodeRelay?: NodeRelay;
  private refusal?: string;
  private readonly changes = new Set<(what: MessengerChange['what']) => void>();
  private readonly steps = new Set<StepListener>();
  private sessionStarts?: (grant: SessionGrant) => void;
  readonly roster = new Roster({
    changed: (what) => this.changed(what),
    offered: (invite) => void this.request({ type: 'invite.received', invite }).catch(() => undefined),
    status: (sent, detail) => this.steps.forEach((l) => l(sent, detail)),
    sessionStart: (grant) => this.sessionStart(grant),
  });

  constructor(private readonly deps: ClientDeps) {}

  /** Signs in again with the saved token, when there is one and the policy still allows its server. */
  async start(): Promise<void> {
    this.account = await this.deps.accounts.account();
    if (!this.account) return;
    this.own = this.deps.settings().presence;
    this.refusal = serverRefusal(parseServers(this.account.server), this.deps.policy());
    if (this.refusal) this.deps.logger.warn(`not signing in to the messenger at ${this.account.server}: ${this.refusal}`);
    else this.connect(this.account, await this.deps.accounts.device());
  }

  dispose(): void {
    this.connection?.stop();
    this.connection = undefined;
  }

  get signedIn(): boolean {
    return this.account !== undefined;
  }

  /** The account's messenger: its nodes, while signed in. */
  get servers(): ServerAddress[] | undefined {
    return this.account && parseServers(this.account.server);
  }

  /** The node this RA is connected to, while connected. */
  get node(): ServerAddress | undefined {
    return this.connection?.node;
  }

  get user(): string | undefined {
    return this.account?.user;
  }

  get state(): ConnectionState {
    return this.connection?.state ?? 'offline';
  }

  status(): MessengerStatus {
    const a = this.account;
    const state = this.state;
    const error = this.refusal ?? this.connection?.error;
    return {
      server: a?.server ?? this.deps.settings().server,
      signedIn: a !== undefined,
      ...(a ? { user: a.user, displayName: this.roster.displayName ?? a.displayName } : {}),
      presence: state === 'connected' ? (this.roster.presence ?? 'online') : 'offline',
      connection: state,
      ...(this.nodeShown() ? { node: this.nodeShown() } : {}),
      ...(error && state !== 'connected' ? { error } : {}),
    };
  }

  /** The node connected to, worth showing when the messenger has several (nodes, or addresses of one name). */
  private nodeShown(): string | undefined {
    const node = this.node;
    if (!node || ((this.servers?.length ?? 0) < 2 && !node.address)) return undefined;
    return describeNode(node);
  }

  onChange(listener: (what: MessengerChange['what']) => void): Disposable {
    this.changes.add(listener);
    return toDisposable(() => void this.changes.delete(listener));
  }

  onStep(listener: StepListener): Disposable {
    this.steps.add(listener);
    return toDisposable(() => void this.steps.delete(listener));
  }

  /** The novice's route takes `session.start` while it listens; only one listens at a time. */
  onSessionStart(listener: (grant: SessionGrant) => void): Disposable {
    this.sessionStarts = listener;
    return toDisposable(() => {
      if (this.sessionStarts === listener) this.sessionStarts = undefined;
    });
  }

  /** Makes an account (with `register`) or signs in, and saves the token; a previous sign-in here is signed out first. */
  async signIn(request: SignIn): Promise<MessengerStatus> {
    const settings = this.deps.settings();
    const serverText = request.server ?? settings.server;
    if (!serverText) throw new ApiError(400, "say which messenger server: 'server' (host:port) is missing");
    const servers = invalid(() => parseServers(serverText));
    const refusal = serverRefusal(servers, this.deps.policy());
    if (refusal) throw new ApiError(403, refusal);
    if (request.register && !this.deps.policy().allowRegistration)
      throw new ApiError(403, 'your organization does not allow making messenger accounts here; ask for an account to sign in with');
    const user = normaliseUser(request.user);
    if (!USER_NAME.test(user)) throw new ApiError(400, `'${request.user}' is not a messenger user name: 3 to 32 of a-z, 0-9, dot, dash and underscore`);
    if (!request.password) throw new ApiError(400, 'the password is missing');
    // The settings' fingerprint or CA vouch for the settings' server only.
    const fromSettings = settings.server !== undefined && formatServers(invalid(() => parseServers(settings.server!))) === formatServers(servers);
    const fingerprint = request.fingerprint ?? (fromSettings ? settings.fingerprint : undefined);
    const caFile = request.caFile ?? (fromSettings ? settings.caFile : undefined);
    if (!fingerprint && !caFile)
      throw new ApiError(400, `give the fingerprint ${formatServers(servers)} printed on its first start, or a CA file, so RA knows it is the real server`);
    const pinned = fingerprint ? invalid(() => normaliseFingerprint(fingerprint)) : undefined;
    const trust = await readTrust({ fingerprint: pinned, caFile });
    const device = await this.deps.accounts.device();
    const link = await openAny(await resolveNodes(servers, this.deps.connection?.resolve ?? resolveHost), trust, this.deps.connection?.random ?? Math.random);
    // The server signs this very link in: its welcome and first pushes may come before the token is read.
    const frames: ServerFrame[] = [];
    let welcomed: () => void = () => undefined;
    const welcome = new Promise<void>((resolve) => (welcomed = resolve));
    link.onPush((frame) => {
      frames.push(frame);
      if (frame.type === 'welcome') welcomed();
    });
    let token: Extract<ServerFrame, { type: 'token' }>;
    try {
      const frame: Request = request.register
        ? { type: 'register', user, displayName: request.register.displayName, password: request.password, device }
        : { type: 'login', user, password: request.password, device };
      token = await link.request(frame);
      if (token.type !== 'token') throw new Error(`the server answered '${token.type}' instead of a token`);
      await within(welcome, SETTLE_MS, 'the server signed in but sent nothing more');
    } catch (e) {
      link.close();
      throw e;
    }
    if (this.account) await this.signOut();
    this.account = {
      server: formatServers(servers),
      ...(pinned ? { fingerprint: pinned } : {}),
      ...(caFile ? { caFile } : {}),
      user: token.user,
      displayName: token.displayName,
      token: token.token,
    };
    await this.deps.accounts.save(this.account);
    this.deps.logger.info(`signed in to the messenger at ${this.account.server} as ${token.user}`);
    this.refusal = undefined;
    this.own ??= settings.presence;
    this.connect(this.account, device, { link, frames });
    return this.status();
  }

  /** Revokes the token at the server when it can be reached, and forgets it here either way. */
  async signOut(): Promise<MessengerStatus> {
    if (this.connection?.state === 'connected')
      await this.request({ type: 'logout' }).catch((e: Error) => this.deps.logger.warn(`the server did not take the sign-out: ${e.message}`));
    this.forget();
    await this.deps.accounts.save(undefined);
    return this.status();
  }

  async setPresence(state: OwnPresence): Promise<MessengerStatus> {
    this.own = state;
    await this.request({ type: 'presence.set', state });
    this.roster.presence = state;
    this.changed('status');
    return this.status();
  }

  contacts(): Contact[] {
    return this.roster.contactList();
  }

  /** A request on the signed-in connection, failing plainly when there is none. */
  request<T extends Awaited<ReturnType<Link['request']>>>(frame: Request): Promise<T> {
    if (!this.connection) return Promise.reject(new ApiError(503, this.refusal ?? 'not signed in to a messenger'));
    return this.connection.request<T>(frame);
  }

  /**
   * Where to meet the peer of `grant`: the relay node it names (else the node this RA is on), trusted as the
   * messenger is (its nodes share one certificate), and this RA's own node when the grant names another.
   */
  async relayPlan(grant: SessionGrant): Promise<RelayPlan> {
    const account = this.account;
    if (!account) throw new ApiError(503, 'not signed in to a messenger');
    const node = this.node;
    const trust = await readTrust(account);
    return relayPlan(grant, node ?? parseServers(account.server)[0], node && this.nodeRelay, { fingerprint: trust.fingerprint, ca: trust.ca });
  }

  private connect(account: Account, device: string, signedIn?: { link: Link; frames: readonly ServerFrame[] }): void {
    this.connection?.stop();
    const connection: Connection = new Connection(
      { servers: parseServers(account.server), trust: () => readTrust(account), token: account.token, device },
      {
        frame: (frame) => {
          if (connection !== this.connection) return;
          this.roster.apply(frame);
          if (frame.type === 'welcome') this.welcomed(frame);
        },
        state: (state, error) => {
          if (connection !== this.connection) return;
          if (state !== 'connected') this.deps.logger.info(`messenger ${state}${error ? `: ${error}` : ''}`);
          this.changed('status');
        },
        signedOut: (reason) => {
          if (connection !== this.connection) return;
          this.deps.logger.warn(`signed out of the messenger: ${reason}`);
          this.forget(reason);
          void this.deps.accounts.save(undefined).catch((e: Error) => this.deps.logger.error(e.message));
        },
      },
      this.deps.connection,
    );
    this.connection = connection;
    connection.start(signedIn);
  }

  /** On every (re)connection, what this user chose to show: the setting when RA started, their latest choice since. */
  private welcomed({ presence, relay }: Extract<ServerFrame, { type: 'welcome' }>): void {
    this.nodeRelay = relay;
    const want = this.own ?? this.deps.settings().presence;
    if (want !== presence) void this.setPresence(want).catch((e: Error) => this.deps.logger.warn(`cannot set presence: ${e.message}`));
  }

  private forget(reason?: string): void {
    this.connection?.stop();
    this.connection = undefined;
    this.account = undefined;
    this.own = undefined;
    this.refusal = reason;
    this.roster.clear();
    this.changed('status');
  }

  private sessionStart(grant: SessionGrant): void {
    if (this.sessionStarts) this.sessionStarts(grant);
    else this.deps.logger.info(`${grant.peer} asked for a session for invitation ${grant.invitationId}, but no invitation is open here`);
  }

  private changed(what: MessengerChange['what']): void {
    for (const listener of this.changes) listener(what);
  }
}

/** Bad input the user typed: a 400 with the parser's own words. */
function invalid<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new ApiError(400, (e as Error).message);
  }
}

async function readTrust({ fingerprint, caFile }: { fingerprint?: string; caFile?: string }): Promise<Trust> {
  if (!caFile) return { fingerprint };
  try {
    return { fingerprint, ca: (await readSmallFile(caFile, MAX_CA_BYTES)).toString('utf8'), caFile };
  } catch (e) {
    throw new TrustError(`cannot read the CA file: ${(e as Error).message}`);
  }
}

/** A link to the first of the nodes (from a random one, so that clients spread) that answers; if none does, why each did not. */
async function openAny(nodes: readonly ServerAddress[], trust: Awaited<ReturnType<typeof readTrust>>, random: () => number): Promise<Link> {
  const failures: Error[] = [];
  for (const server of fromRandom(nodes, random)) {
    try {
      return await Link.open(server, trust, { timeoutMs: 10_000 });
    } catch (e) {
      // A server that is not the trusted one fails the sign-in at once: nothing is sent to the next either.
      if (e instanceof TrustError) throw e;
      failures.push(e as Error);
    }
  }
  if (failures.length === 1) throw failures[0];
  throw new NetworkError(failures.map((e) => e.message).join('; '));
}
