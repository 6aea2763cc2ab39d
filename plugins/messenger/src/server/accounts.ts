import { createHash, randomBytes } from 'node:crypto';
import { normaliseUser, PROTOCOL_VERSION, USER_NAME } from '../common/protocol.js';
import { FrameError } from './errors.js';
import { userName, type Hub } from './hub.js';
import { BusyError, seconds } from './limits.js';
import { MIN_PASSWORD, type PasswordHasher } from './passwords.js';
import type { BackoffRule } from './rates.js';
import { StoreConflict, type StoredToken, type UserRecord } from './store.js';

/** A signed-in device: `token` only when it was just issued (login, register). */
export interface SignIn {
  readonly user: UserRecord;
  readonly device: string;
  readonly tokenHash: string;
  readonly token?: string;
}

/** The sliding expiry is written at most this often, not on every connection. */
const TOUCH_MS = 60 * 60_000;
const SAME_ANSWER = 'the user name or the password is wrong';

/**
 * Accounts, passwords and tokens. Passwords are scrypt-hashed through one bounded queue; a token is
 * 32 random bytes of which only the SHA-256 is stored. An unknown user costs one hash and gets the
 * same answer as a wrong password; failed sign-ins back off per account and per address.
 */
export class Accounts {
  /** Back-off after failed sign-ins, per account and per address. */
  private readonly perAccount: BackoffRule;
  private readonly perAddress: BackoffRule;

  constructor(
    private readonly hub: Hub,
    private readonly hasher: PasswordHasher,
    readonly registration: boolean,
  ) {
    const { signInFreeFailures: free, signInBackoffMs: ms } = hub.limits;
    const rule = (n: number): BackoffRule => ({ free: n, baseMs: ms.base, maxMs: ms.max, forgetMs: ms.max * 4 });
    this.perAccount = rule(free.account);
    this.perAddress = rule(free.address);
  }

  async register(frame: { user: string; displayName: string; password: string; device: string }, address: string): Promise<SignIn> {
    if (!this.registration)
      throw new FrameError('registration-closed', "this server takes no new accounts; ask its operator to add you with 'ra messenger user add'");
    const name = userName(frame.user);
    const displayName = checkDisplayName(frame.displayName);
    checkPassword(frame.password);
    if (!(await this.hub.rates.take('registrations', address, this.hub.limits.registrationsPerAddress)))
      throw new FrameError('rate-limited', 'too many accounts were made from your address lately; try again later');
    if (await this.hub.store.user(name)) throw new FrameError('user-taken', `the user name ${name} is taken`);
    await this.room();
    const user: UserRecord = { name, displayName, hash: await this.hash(frame.password), created: this.hub.now() };
    const { token, stored } = this.mint(name, frame.device);
    try {
      await this.hub.store.addUser(user, stored);
    } catch (e) {
      throw e instanceof StoreConflict ? new FrameError('user-taken', `the user name ${name} is taken`) : e;
    }
    this.hub.log(`registered ${name}`);
    return { user, device: frame.device, tokenHash: stored.hash, token };
  }

  /** Returns the sign-in and the devices whose tokens made room for it (they are signed out). */
  async login(frame: { user: string; password: string; device: string }, address: string): Promise<{ signIn: SignIn; revoked: StoredToken[] }> {
    const name = normaliseUser(frame.user);
    const user = await this.check(name, frame.password, address);
    const tokens = await this.hub.store.tokensOf(name);
    // One token per device, and at most devicesPerUser: the least recently seen make room.
    const others = tokens.filter((t) => t.device !== frame.device).sort((a, b) => b.lastSeen - a.lastSeen);
    const revoked = [...tokens.filter((t) => t.device === frame.device), ...others.slice(this.hub.limits.devicesPerUser - 1)];
    const { token, stored } = this.mint(name, frame.device);
    await this.hub.store.addToken(stored);
    for (const t of revoked) await this.hub.store.revokeToken(t.hash);
    return { signIn: { user, device: frame.device, tokenHash: stored.hash, token }, revoked: revoked.filter((t) => t.device !== frame.device) };
  }

  async hello(frame: { token: string; version: number }, address: string): Promise<SignIn> {
    if (frame.version !== PROTOCOL_VERSION)
      throw new FrameError('bad-frame', `this server speaks messenger protocol ${PROTOCOL_VERSION}, the client ${frame.version}`);
    const wait = await this.hub.rates.wait('sign-in-address', address, this.perAddress);
    if (wait > 0) throw new FrameError('rate-limited', `too many failed sign-ins from your address; try again in ${seconds(wait)} s`);
    const tokenHash = hashToken(frame.token);
    const token = await this.hub.store.token(tokenHash);
    const user = token && (await this.hub.store.user(token.user));
    const now = this.hub.now();
    if (!token || !user || token.lastSeen + this.hub.limits.tokenIdleMs <= now) {
      if (token) await this.hub.store.revokeToken(tokenHash);
      await this.hub.rates.fail('sign-in-address', address, this.perAddress);
      throw new FrameError('bad-token', 'this sign-in has expired or was revoked; sign in again with your password');
    }
    if (now - token.lastSeen > TOUCH_MS) await this.hub.store.touchToken(tokenHash, now);
    return { user, device: token.device, tokenHash };
  }

  async logout(tokenHash: string): Promise<void> {
    await this.hub.store.revokeToken(tokenHash);
  }

  /** Changes the password; every other device's token is revoked and returned. */
  async changePassword(signIn: SignIn, old: string, next: string, address: string): Promise<StoredToken[]> {
    await this.check(signIn.user.name, old, address);
    checkPassword(next);
    return this.hub.store.setPassword(signIn.user.name, await this.hash(next), signIn.tokenHash);
  }

  /** `ra messenger user add`: the operator's way in, open even with registration off. */
  async add(name: string, displayName: string, password: string): Promise<UserRecord> {
    const user: UserRecord = { name: userName(name), displayName: checkDisplayName(displayName), hash: '', created: this.hub.now() };
    checkPassword(password);
    if (await this.hub.store.user(user.name)) throw new FrameError('user-taken', `the user name ${user.name} is taken`);
    await this.room();
    const added = { ...user, hash: await this.hash(password) };
    await this.hub.store.addUser(added);
    this.hub.log(`added ${user.name}`);
    return added;
  }

  /** The user when `password` is theirs; else the same refusal for an unknown user as for a wrong password, after the same work. */
  private async check(name: string, password: string, address: string): Promise<UserRecord> {
    const rates = this.hub.rates;
    const wait = Math.max(await rates.wait('sign-in-account', name, this.perAccount), await rates.wait('sign-in-address', address, this.perAddress));
    if (wait > 0) throw new FrameError('rate-limited', `too many failed sign-ins; try again in ${seconds(wait)} s`);
    const user = USER_NAME.test(name) ? await this.hub.store.user(name) : undefined;
    let ok: boolean;
    try {
      ok = await this.hasher.verify(password, user?.hash);
    } catch (e) {
      if (e instanceof BusyError) throw new FrameError('busy', e.message);
      throw e;
    }
    if (!ok || !user) {
      await rates.fail('sign-in-account', name, this.perAccount);
      await rates.fail('sign-in-address', address, this.perAddress);
      throw new FrameError('bad-credentials', SAME_ANSWER);
    }
    await rates.succeed('sign-in-account', name);
    return user;
  }

  private async room(): Promise<void> {
    const cap = this.hub.limits.users;
    if ((await this.hub.store.userCount()) >= cap) throw new FrameError('registration-closed', `this server keeps at most ${cap} accounts, and has them`);
  }

  private async hash(password: string): Promise<string> {
    try {
      return await this.hasher.hash(password);
    } catch (e) {
      if (e instanceof BusyError) throw new FrameError('busy', e.message);
      throw e;
    }
  }

  private mint(user: string, device: string): { token: string; stored: StoredToken } {
    const token = randomBytes(32).toString('base64url');
    const now = this.hub.now();
    return { token, stored: { hash: hashToken(token), user, device, created: now, lastSeen: now } };
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function checkDisplayName(text: string): string {
  const name = text.normalize('NFC').trim();
  // eslint-disable-next-line no-control-regex
  if (!name || name.length > 64 || /[\u0000-\u001f\u007f-\u009f]/.test(name))
    throw new FrameError('bad-frame', 'a display name is 1 to 64 characters, no control characters');
  return name;
}

function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD) throw new FrameError('weak-password', `a password needs at least ${MIN_PASSWORD} characters`);
}
