import { MAX_FRAME_BYTES, type ClientFrame, type OwnPresence, type ServerFrame } from '../common/protocol.js';
import { Accounts, type SignIn } from './accounts.js';
import type { DeviceLink } from './bus.js';
import { Contacts } from './contacts.js';
import { FrameError } from './errors.js';
import type { Hub } from './hub.js';
import { Invites } from './invites.js';
import { BusyError } from './limits.js';
import type { PasswordHasher } from './passwords.js';
import { aggregate } from './presence.js';
import type { ContactVerb } from './relations.js';
import type { RelayTokenStore } from './relay/tokens.js';
import { Rendezvous, type RelayPorts } from './rendezvous.js';
import { StoreUnavailable, StoreWriteError, type UserRecord } from './store.js';

/** A client connection as the messenger sees it: where it comes from, and a way to answer. */
export interface Peer {
  readonly address: string;
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}

/** Requests a connection may have waiting; more is a client that does not wait for answers. */
const MAX_QUEUED = 32;

/**
 * The messenger's logic, apart from any socket: accounts, contacts and presence, invitations and the
 * session rendezvous. The server feeds it parsed frames through a Client per connection.
 */
export class Messenger {
  readonly accounts: Accounts;
  readonly contacts: Contacts;
  readonly invites: Invites;
  readonly rendezvous: Rendezvous;

  constructor(
    readonly hub: Hub,
    hasher: PasswordHasher,
    registration: boolean,
    tokens: RelayTokenStore,
    ports: () => RelayPorts,
  ) {
    this.accounts = new Accounts(hub, hasher, registration);
    this.contacts = new Contacts(hub);
    this.invites = new Invites(hub, this.contacts);
    this.rendezvous = new Rendezvous(hub, this.contacts, tokens, ports);
  }

  async start(): Promise<void> {
    await this.hub.store.sweepTokens(this.hub.now() - this.hub.limits.tokenIdleMs);
    await this.invites.start();
  }

  stop(): void {
    this.invites.stop();
  }

  connect(peer: Peer): Client {
    return new Client(this, peer);
  }

  async addUser(name: string, displayName: string, password: string): Promise<UserRecord> {
    return this.accounts.add(name, displayName, password);
  }

  /** Removes a user: their devices are signed out, their contacts and invitations go. */
  async removeUser(name: string): Promise<boolean> {
    const gone = await this.hub.store.removeUser(name);
    if (!gone) return false;
    await this.hub.bus.forget(name);
    await this.hub.bus.publish(name, { type: 'signed-out', reason: 'your account was removed from this server' });
    await this.contacts.removed(gone);
    await this.invites.removed(gone);
    this.hub.log(`removed ${name}`);
    return true;
  }

  /** @internal A client's request, signed in or not. */
  async handle(client: Client, frame: ClientFrame): Promise<void> {
    const address = client.peer.address;
    if (frame.type === 'register') return this.enter(client, await this.accounts.register(frame, address), frame.id);
    if (frame.type === 'login') {
      const { signIn, revoked } = await this.accounts.login(frame, address);
      await this.signOut(signIn.user.name, revoked, 'you signed in on more devices than this server keeps; sign in again here');
      return this.enter(client, signIn, frame.id);
    }
    if (frame.type === 'hello') return this.enter(client, await this.accounts.hello(frame, address), frame.id);
    const signIn = client.signIn;
    if (!signIn) throw new FrameError('not-signed-in', 'sign in first: send login, register or hello');
    const user = signIn.user.name;
    const ok: ServerFrame = { type: 'ok', ref: frame.id };
    switch (frame.type) {
      case 'logout':
        await this.accounts.logout(signIn.tokenHash);
        client.send(ok);
        return this.leave(client);
      case 'password.change': {
        const revoked = await this.accounts.changePassword(signIn, frame.old, frame.new, address);
        const others = revoked.filter((t) => t.device !== signIn.device);
        await this.signOut(user, others, 'the password was changed on another device; sign in with the new one');
        return client.send(ok);
      }
      case 'presence.set': {
        const before = await this.contacts.presence(user);
        await this.hub.bus.choose(user, frame.state);
        await this.hub.bus.setPresence(client, frame.state);
        client.send(ok);
        return this.contacts.presenceChanged(user, before);
      }
      case 'contact.request':
      case 'contact.accept':
      case 'contact.decline':
      case 'contact.remove':
      case 'contact.block':
      case 'contact.unblock':
        await this.contacts.change(user, frame.type.slice('contact.'.length) as ContactVerb, frame.user);
        return client.send(ok);
      case 'invite.send':
        return client.send(await this.invites.send(user, signIn.device, frame));
      case 'invite.received':
        await this.invites.received(user, frame.invite);
        return client.send(ok);
      case 'invite.respond':
        await this.invites.respond(user, signIn.device, frame.invite, frame.accept);
        return client.send(ok);
      case 'invite.cancel':
        await this.invites.cancel(user, frame.invite);
        return client.send(ok);
      case 'session.request':
        return client.send(await this.rendezvous.request(user, frame.id, frame.to, frame.invitationId));
    }
  }

  /** @internal The connection is signed in: it comes online and gets its snapshot. */
  async enter(client: Client, signIn: SignIn, ref: string): Promise<void> {
    if (client.signIn) await this.leave(client);
    const name = signIn.user.name;
    const devices = await this.hub.bus.devices(name);
    const cap = this.hub.limits.devicesPerUser;
    if (!devices.some((d) => d.device === signIn.device) && devices.length >= cap)
      throw new FrameError('busy', `you are connected on ${cap} devices, the most this server allows; sign out on one first`);
    const presence = (await this.hub.bus.chosen(name)) ?? 'online';
    client.signIn = signIn;
    try {
      (await this.hub.bus.attach(client, presence))?.replaced();
    } catch (e) {
      client.signIn = undefined;
      throw e;
    }
    if (signIn.token) client.send({ type: 'token', ref, token: signIn.token, user: name, displayName: signIn.user.displayName });
    for (const frame of await this.welcome(signIn.user, presence, ref)) client.send(frame);
    await this.contacts.presenceChanged(name, aggregate(devices));
  }

  /** @internal The connection signs out or closes: it goes offline. */
  async leave(client: Client): Promise<void> {
    const name = client.signIn?.user.name;
    if (!name) return;
    // The device goes even when presence cannot be read (Redis away): a link kept would show it online for ever.
    const before = await this.contacts.presence(name).catch(() => undefined);
    let detached: boolean;
    try {
      detached = await this.hub.bus.detach(client);
    } finally {
      client.signIn = undefined;
    }
    if (detached) await (before === undefined ? this.contacts.announce(name) : this.contacts.presenceChanged(name, before));
  }

  /** The snapshot: contacts, sent invitations, and the offers that fit in the one frame; the rest follow as `invite.offer`. */
  private async welcome(user: UserRecord, presence: OwnPresence, ref: string): Promise<ServerFrame[]> {
    const [contacts, offers, sent] = [await this.contacts.list(user.name), await this.invites.offers(user.name), await this.invites.sent(user.name)];
    const welcome = { type: 'welcome' as const, ref, user: user.name, displayName: user.displayName, presence, contacts, offers: [] as typeof offers, sent };
    let size = Buffer.byteLength(JSON.stringify(welcome));
    const rest: ServerFrame[] = [];
    for (const offer of offers) {
      const bytes = Buffer.byteLength(JSON.stringify(offer)) + 1;
      if (size + bytes <= MAX_FRAME_BYTES && !rest.length) {
        welcome.offers.push(offer);
        size += bytes;
      } else rest.push({ type: 'invite.offer', ...offer });
    }
    return [welcome, ...rest];
  }

  private async signOut(user: string, revoked: readonly { device: string }[], reason: string): Promise<void> {
    for (const device of new Set(revoked.map((t) => t.device))) await this.hub.bus.publish(user, { type: 'signed-out', reason }, { only: device });
  }
}

/** One connection: its requests run one at a time, in order, and end before its close is handled. */
export class Client implements DeviceLink {
  signIn?: SignIn;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly messenger: Messenger,
    readonly peer: Peer,
  ) {}

  get user(): string {
    return this.signIn?.user.name ?? '';
  }

  get device(): string {
    return this.signIn?.device ?? '';
  }

  send(frame: ServerFrame): void {
    this.peer.send(frame);
    if (frame.type === 'signed-out') this.run(() => this.messenger.leave(this));
  }

  replaced(): void {
    this.peer.close(4000, 'this device connected again');
  }

  /** Queues a request; false when too many wait already. */
  receive(frame: ClientFrame): boolean {
    if (this.queued >= MAX_QUEUED) return false;
    this.run(() => this.messenger.handle(this, frame), frame.id);
    return true;
  }

  /** Resolves when the requests queued so far are done. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** The socket closed: once its requests are done it goes offline. */
  closed(): Promise<void> {
    this.run(() => this.messenger.leave(this));
    return this.chain;
  }

  private run(task: () => Promise<void>, ref?: string): void {
    this.queued++;
    this.chain = this.chain
      .then(task)
      .catch((e: unknown) => this.fail(e, ref))
      .finally(() => this.queued--);
  }

  private fail(e: unknown, ref: string | undefined): void {
    const hub = this.messenger.hub;
    let error: FrameError;
    if (e instanceof FrameError) error = e;
    else if (e instanceof BusyError) error = new FrameError('busy', e.message);
    else if (e instanceof StoreWriteError) {
      hub.log(e.message);
      error = new FrameError('internal', 'the server could not save this change (its disk may be full); nothing changed, try again later');
    } else if (e instanceof StoreUnavailable) {
      error = new FrameError('unavailable', 'the server cannot reach its database just now; nothing changed, try again in a few seconds');
    } else {
      hub.log(`a request failed: ${(e as Error)?.stack ?? String(e)}`);
      error = new FrameError('internal', 'the server failed to do this; its operator can see why in its log');
    }
    this.peer.send({ type: 'error', ...(ref ? { ref } : {}), code: error.code, message: error.message });
  }
}
