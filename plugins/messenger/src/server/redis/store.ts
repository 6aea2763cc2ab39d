import type { InviteState } from '../../common/protocol.js';
import {
  StoreConflict,
  type InviteRecord,
  type MessengerStore,
  type RelationChange,
  type RelationRecord,
  type RemovedUser,
  type StoredToken,
  type TokenRecord,
  type UserRecord,
} from '../store.js';
import type { RedisClient, RedisLink } from './link.js';
import { ADD_USER, MOVE_INVITE, REMOVE_INVITE, REMOVE_USER, REVOKE_TOKEN, SET_PASSWORD, TOUCH_TOKEN } from './store-scripts.js';

/** An invitation's key outlives its expiry by this, so the node that expires it can still read whom to tell. */
const INVITE_GRACE_MS = 10 * 60_000;
/** Round trips are batched: this many keys per MGET or pipeline. */
const BATCH = 500;

export const KEY = {
  users: 'ra:users',
  user: (name: string) => `ra:user:${name}`,
  token: (hash: string) => `ra:token:${hash}`,
  tokens: (user: string) => `ra:tokens:${user}`,
  relations: (owner: string) => `ra:rel:${owner}`,
  /** Who has a relation with a user: a removed user's relations go from both sides, even one-sided ones. */
  relationsTo: (other: string) => `ra:relto:${other}`,
  invite: (id: string) => `ra:inv:${id}`,
  invitesOf: (user: string) => `ra:invs:${user}`,
  invites: 'ra:invs',
  inviteBytes: 'ra:invbytes',
} as const;

/**
 * The messenger's store on Redis, shared by every node. Every change of several keys is one Lua script
 * or one MULTI, so two nodes never see half of it; the first answer to an invitation wins in Redis
 * itself. A lost Redis surfaces as StoreUnavailable (RedisLink). It does not close the shared link.
 */
export class RedisStore implements MessengerStore {
  constructor(private readonly link: RedisLink) {}

  async user(name: string): Promise<UserRecord | undefined> {
    return userOf(await this.run((r) => r.hGetAll(KEY.user(name))));
  }

  async users(): Promise<UserRecord[]> {
    const names = await this.run((r) => r.sMembers(KEY.users));
    const found: UserRecord[] = [];
    for (let i = 0; i < names.length; i += BATCH) {
      const part = names.slice(i, i + BATCH);
      const hashes = await this.run((r) => Promise.all(part.map((name) => r.hGetAll(KEY.user(name)))));
      for (const h of hashes) {
        const user = userOf(h);
        if (user) found.push(user);
      }
    }
    return found;
  }

  async userCount(): Promise<number> {
    return this.run((r) => r.sCard(KEY.users));
  }

  async addUser(user: UserRecord, token?: StoredToken): Promise<void> {
    const args = [user.name, user.displayName, user.hash, String(user.created), ...(token ? tokenArgs(token) : [])];
    const added = await this.script(ADD_USER, [KEY.users, KEY.user(user.name), token ? KEY.token(token.hash) : '', KEY.tokens(user.name)], args);
    if (added === 0) throw new StoreConflict(`the user name ${user.name} is taken`);
  }

  async setPassword(name: string, hash: string, keep?: string): Promise<StoredToken[]> {
    const revoked = (await this.script(SET_PASSWORD, [KEY.user(name), KEY.tokens(name)], [hash, keep ?? '', 'ra:token:'])) as string;
    return list<Record<string, string>>(JSON.parse(revoked)).map(storedTokenOf);
  }

  async removeUser(name: string): Promise<RemovedUser | undefined> {
    const text = (await this.script(REMOVE_USER, [KEY.users], [name])) as string | null;
    if (!text) return undefined;
    const gone = JSON.parse(text) as { user: Record<string, string>; tokens: unknown; others: unknown; invites: unknown };
    return {
      user: userOf(gone.user)!,
      tokens: list<Record<string, string>>(gone.tokens).map(storedTokenOf),
      others: list<string>(gone.others),
      invites: list<string>(gone.invites).map((json) => JSON.parse(json) as InviteRecord),
    };
  }

  async token(hash: string): Promise<TokenRecord | undefined> {
    const h = await this.run((r) => r.hGetAll(KEY.token(hash)));
    if (!h.user) return undefined;
    const { hash: _, ...record } = storedTokenOf({ ...h, hash });
    return record;
  }

  async tokensOf(user: string): Promise<StoredToken[]> {
    const hashes = await this.run((r) => r.sMembers(KEY.tokens(user)));
    const records = await this.run((r) => Promise.all(hashes.map((hash) => r.hGetAll(KEY.token(hash)))));
    return records.flatMap((h, i) => (h.user ? [storedTokenOf({ ...h, hash: hashes[i] })] : []));
  }

  async addToken(token: StoredToken): Promise<void> {
    await this.run((r) =>
      r
        .multi()
        .hSet(KEY.token(token.hash), { user: token.user, device: token.device, created: String(token.created), lastSeen: String(token.lastSeen) })
        .sAdd(KEY.tokens(token.user), token.hash)
        .exec(),
    );
  }

  async touchToken(hash: string, at: number): Promise<void> {
    await this.script(TOUCH_TOKEN, [KEY.token(hash)], [String(at)]);
  }

  async revokeToken(hash: string): Promise<void> {
    await this.script(REVOKE_TOKEN, [KEY.token(hash)], [hash, 'ra:tokens:']);
  }

  /**
   * Every node sweeps at its start: one of them an hour is enough, so the first claims the sweep. Users are
   * read in batches, each batch's tokens in one round of parallel reads, not one round trip per user.
   */
  async sweepTokens(before: number): Promise<number> {
    if (!(await this.run((r) => r.set('ra:swept', '1', { NX: true, EX: 3600 })))) return 0;
    const names = await this.run((r) => r.sMembers(KEY.users));
    let swept = 0;
    for (let i = 0; i < names.length; i += BATCH) {
      const tokens = (await Promise.all(names.slice(i, i + BATCH).map((name) => this.tokensOf(name)))).flat();
      const old = tokens.filter((t) => t.lastSeen < before);
      await Promise.all(old.map((t) => this.revokeToken(t.hash)));
      swept += old.length;
    }
    return swept;
  }

  async relations(owner: string): Promise<ReadonlyMap<string, RelationRecord>> {
    const all = await this.run((r) => r.hGetAll(KEY.relations(owner)));
    return new Map(Object.entries(all).map(([other, json]) => [other, JSON.parse(json) as RelationRecord]));
  }

  async relation(owner: string, other: string): Promise<RelationRecord | undefined> {
    const json = await this.run((r) => r.hGet(KEY.relations(owner), other));
    return json ? (JSON.parse(json) as RelationRecord) : undefined;
  }

  async setRelations(changes: readonly RelationChange[]): Promise<void> {
    if (!changes.length) return;
    await this.run((r) => {
      const multi = r.multi();
      for (const { owner, other, value } of changes) {
        if (value) multi.hSet(KEY.relations(owner), other, JSON.stringify(value)).sAdd(KEY.relationsTo(other), owner);
        else multi.hDel(KEY.relations(owner), other).sRem(KEY.relationsTo(other), owner);
      }
      return multi.exec();
    });
  }

  async invite(id: string): Promise<InviteRecord | undefined> {
    const json = await this.run((r) => r.get(KEY.invite(id)));
    return json ? (JSON.parse(json) as InviteRecord) : undefined;
  }

  async invitesOf(user: string): Promise<InviteRecord[]> {
    return this.invitesIn(KEY.invitesOf(user));
  }

  async allInvites(): Promise<InviteRecord[]> {
    return this.invitesIn(KEY.invites);
  }

  /** How many invitations there are and the bytes of their tickets, without reading them. */
  async inviteTotals(): Promise<{ count: number; bytes: number }> {
    const [count, bytes] = await this.run((r) => Promise.all([r.sCard(KEY.invites), r.get(KEY.inviteBytes)]));
    return { count, bytes: Number(bytes ?? 0) };
  }

  async addInvite(invite: InviteRecord): Promise<void> {
    await this.run((r) =>
      r
        .multi()
        .set(KEY.invite(invite.id), JSON.stringify(invite), { PXAT: invite.expiresAt + INVITE_GRACE_MS })
        .sAdd(KEY.invitesOf(invite.from), invite.id)
        .sAdd(KEY.invitesOf(invite.to), invite.id)
        .sAdd(KEY.invites, invite.id)
        .incrBy(KEY.inviteBytes, invite.ticket.length)
        .exec(),
    );
  }

  async moveInvite(id: string, from: readonly InviteState[], state: InviteState): Promise<InviteRecord | undefined> {
    const json = (await this.script(MOVE_INVITE, [KEY.invite(id)], [state, ...from])) as string | null;
    return json ? (JSON.parse(json) as InviteRecord) : undefined;
  }

  async removeInvite(id: string): Promise<void> {
    await this.script(REMOVE_INVITE, [KEY.invite(id), KEY.invites, KEY.inviteBytes], [id, 'ra:invs:']);
  }

  async close(): Promise<void> {
    // The RedisLink is the server's: the bus and the rest share it.
  }

  /**
   * The invitations an index names. An id whose key expired by itself (no node was left to expire it)
   * is dropped from the indexes here.
   */
  private async invitesIn(index: string): Promise<InviteRecord[]> {
    const ids = await this.run((r) => r.sMembers(index));
    const found: InviteRecord[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH);
      const values = await this.run((r) => r.mGet(part.map(KEY.invite)));
      for (const [j, json] of values.entries()) {
        if (json) found.push(JSON.parse(json) as InviteRecord);
        else await this.removeInvite(part[j]);
      }
    }
    return found;
  }

  private run<T>(task: (r: RedisClient) => Promise<T>): Promise<T> {
    return this.link.run(task);
  }

  private script(source: string, keys: string[], args: string[]): Promise<unknown> {
    return this.run((r) => r.eval(source, { keys, arguments: args }));
  }
}

/** Lua's cjson writes an empty list as `{}`. */
function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function userOf(h: Record<string, string>): UserRecord | undefined {
  return h.name ? { name: h.name, displayName: h.displayName, hash: h.hash, created: Number(h.created) } : undefined;
}

function storedTokenOf(h: Record<string, string>): StoredToken {
  return { hash: h.hash, user: h.user, device: h.device, created: Number(h.created), lastSeen: Number(h.lastSeen) };
}

function tokenArgs(t: StoredToken): string[] {
  return [t.hash, t.device, String(t.created), String(t.lastSeen)];
}
