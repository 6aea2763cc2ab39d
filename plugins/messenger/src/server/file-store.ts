import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compileSchema, isMissing, readSmallFile, writeFileAtomic } from '@ra/kernel/node';
import type { InviteState } from '../common/protocol.js';
import { BusyError } from './limits.js';
import { lockFolder } from './lock.js';
import { isPasswordHash } from './passwords.js';
import {
  StoreConflict,
  StoreWriteError,
  type InviteRecord,
  type MessengerStore,
  type RelationChange,
  type RelationRecord,
  type RemovedUser,
  type StoredToken,
  type TokenRecord,
  type UserRecord,
} from './store.js';
import { STATE_SCHEMA, type StateFile } from './state-schema.js';

export const STATE_FILE = 'state.json';
const MAX_STATE_BYTES = 512 * 1024 * 1024;

export interface FileStoreOptions {
  /** Writes the whole state crash-safely; the default writes a temporary file, flushes it and renames it over. */
  readonly write?: (path: string, text: string) => Promise<void>;
  /** Changes waiting for the disk beyond this many are refused with BusyError. */
  readonly maxPending?: number;
}

/** The store in a corrupt file refuses to start rather than start empty and lose everyone's accounts. */
export class StoreCorrupt extends Error {}

const checkState = compileSchema<StateFile>(STATE_SCHEMA, 'it does not hold messenger state');

/**
 * The whole state in memory and in `<data>/state.json`. Changes queue and are written one batch at a
 * time (group commit: one write for all the changes that arrived while the previous write ran); a write
 * that fails undoes its batch in memory and rejects each change with StoreWriteError, so memory never
 * runs ahead of the disk and the server goes on serving.
 */
export class FileStore implements MessengerStore {
  private readonly pending: Pending[] = [];
  private writing?: Promise<void>;
  private draining = false;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly state: State,
    private readonly release: () => Promise<void>,
    private readonly options: FileStoreOptions,
  ) {}

  /** Opens the store in `dir`, taking its lock (FolderLocked when another process has it). */
  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const release = await lockFolder(dir);
    try {
      const path = join(dir, STATE_FILE);
      return new FileStore(path, await load(path), release, options);
    } catch (e) {
      await release();
      throw e;
    }
  }

  async user(name: string): Promise<UserRecord | undefined> {
    return this.state.users.get(name);
  }

  async users(): Promise<UserRecord[]> {
    return [...this.state.users.values()];
  }

  async userCount(): Promise<number> {
    return this.state.users.size;
  }

  addUser(user: UserRecord, token?: StoredToken): Promise<void> {
    return this.update((tx) => {
      if (this.state.users.has(user.name)) throw new StoreConflict(`the user name ${user.name} is taken`);
      tx.put(this.state.users, user.name, user);
      if (token) tx.put(this.state.tokens, token.hash, tokenRecord(token));
    });
  }

  setPassword(name: string, hash: string, keep?: string): Promise<StoredToken[]> {
    return this.update((tx) => {
      const user = this.state.users.get(name);
      if (!user) throw new StoreConflict(`there is no user ${name}`);
      tx.put(this.state.users, name, { ...user, hash });
      const revoked = this.liveTokensOf(name).filter((t) => t.hash !== keep);
      for (const t of revoked) tx.put(this.state.tokens, t.hash, undefined);
      return revoked;
    });
  }

  removeUser(name: string): Promise<RemovedUser | undefined> {
    return this.update((tx) => {
      const user = this.state.users.get(name);
      if (!user) return undefined;
      const tokens = this.liveTokensOf(name);
      const mine = this.state.relations.get(name) ?? new Map<string, RelationRecord>();
      const others = [...new Set([...mine.keys(), ...[...this.state.relations].filter(([, r]) => r.has(name)).map(([owner]) => owner)])];
      const invites = [...this.state.invites.values()].filter((i) => i.from === name || i.to === name);
      tx.put(this.state.users, name, undefined);
      for (const t of tokens) tx.put(this.state.tokens, t.hash, undefined);
      for (const other of others) {
        tx.relation(this.state.relations, name, other, undefined);
        tx.relation(this.state.relations, other, name, undefined);
      }
      for (const i of invites) tx.put(this.state.invites, i.id, undefined);
      return { user, tokens, others, invites };
    });
  }

  async token(hash: string): Promise<TokenRecord | undefined> {
    return this.state.tokens.get(hash);
  }

  async tokensOf(user: string): Promise<StoredToken[]> {
    return this.liveTokensOf(user);
  }

  addToken(token: StoredToken): Promise<void> {
    return this.update((tx) => {
      if (!this.state.users.has(token.user)) throw new StoreConflict(`there is no user ${token.user}`);
      tx.put(this.state.tokens, token.hash, tokenRecord(token));
    });
  }

  touchToken(hash: string, at: number): Promise<void> {
    return this.update((tx) => {
      const token = this.state.tokens.get(hash);
      if (token) tx.put(this.state.tokens, hash, { ...token, lastSeen: at });
    });
  }

  revokeToken(hash: string): Promise<void> {
    return this.update((tx) => tx.put(this.state.tokens, hash, undefined));
  }

  sweepTokens(before: number): Promise<number> {
    return this.update((tx) => {
      const stale = [...this.state.tokens].filter(([, t]) => t.lastSeen < before);
      for (const [hash] of stale) tx.put(this.state.tokens, hash, undefined);
      return stale.length;
    });
  }

  async relations(owner: string): Promise<ReadonlyMap<string, RelationRecord>> {
    return new Map(this.state.relations.get(owner));
  }

  async relation(owner: string, other: string): Promise<RelationRecord | undefined> {
    return this.state.relations.get(owner)?.get(other);
  }

  setRelations(changes: readonly RelationChange[]): Promise<void> {
    return this.update((tx) => {
      for (const c of changes) tx.relation(this.state.relations, c.owner, c.other, c.value);
    });
  }

  async invite(id: string): Promise<InviteRecord | undefined> {
    return this.state.invites.get(id);
  }

  async invitesOf(user: string): Promise<InviteRecord[]> {
    return [...this.state.invites.values()].filter((i) => i.from === user || i.to === user);
  }

  async allInvites(): Promise<InviteRecord[]> {
    return [...this.state.invites.values()];
  }

  async inviteTotals(): Promise<{ count: number; bytes: number }> {
    let bytes = 0;
    for (const invite of this.state.invites.values()) bytes += invite.ticket.length;
    return { count: this.state.invites.size, bytes };
  }

  addInvite(invite: InviteRecord): Promise<void> {
    return this.update((tx) => {
      if (this.state.invites.has(invite.id)) throw new StoreConflict(`the invitation ${invite.id} exists`);
      tx.put(this.state.invites, invite.id, invite);
    });
  }

  moveInvite(id: string, from: readonly InviteState[], state: InviteState): Promise<InviteRecord | undefined> {
    return this.update((tx) => {
      const invite = this.state.invites.get(id);
      if (!invite || !from.includes(invite.state)) return undefined;
      const moved = { ...invite, state };
      tx.put(this.state.invites, id, moved);
      return moved;
    });
  }

  removeInvite(id: string): Promise<void> {
    return this.update((tx) => tx.put(this.state.invites, id, undefined));
  }

  /** Waits for the writes under way, then gives the folder's lock back. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.release();
  }

  private liveTokensOf(user: string): StoredToken[] {
    return [...this.state.tokens].filter(([, t]) => t.user === user).map(([hash, t]) => ({ hash, ...t }));
  }

  /** Runs `apply` on the state in turn with the other changes, and resolves once it is on disk. */
  private update<T>(apply: (tx: Undo) => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreWriteError('the store is closed'));
    if (this.pending.length >= (this.options.maxPending ?? 10_000)) return Promise.reject(new BusyError('the server is busy saving; try again in a moment'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Cleared in the same tick as the last look at `pending` (no await between), so a change queued after it starts a new drain.
    this.draining = true;
    try {
      while (this.pending.length) await this.commit(this.pending.splice(0));
    } finally {
      this.draining = false;
    }
  }

  /** Applies a batch, writes it once, and settles each change: a write that fails undoes the whole batch. */
  private async commit(batch: Pending[]): Promise<void> {
    const undo = new Undo();
    const applied: [Pending, unknown][] = [];
    for (const change of batch) {
      const mark = undo.mark();
      try {
        applied.push([change, change.apply(undo)]);
      } catch (e) {
        undo.back(mark);
        change.reject(e);
      }
    }
    if (undo.mark() > 0) {
      try {
        await (this.options.write ?? writeState)(this.path, serialise(this.state));
      } catch (e) {
        undo.back(0);
        const error = new StoreWriteError(`the server could not save the change to ${this.path}: ${(e as Error).message}`);
        for (const [change] of applied) change.reject(error);
        return;
      }
    }
    for (const [change, value] of applied) change.resolve(value);
  }
}

interface Pending {
  apply(undo: Undo): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface State {
  users: Map<string, UserRecord>;
  tokens: Map<string, TokenRecord>;
  relations: Map<string, Map<string, RelationRecord>>;
  invites: Map<string, InviteRecord>;
}

/** Every change to the maps goes through here, which remembers how to take it back. */
class Undo {
  private readonly steps: (() => void)[] = [];

  put<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
    const had = map.has(key);
    const old = map.get(key);
    this.steps.push(() => (had ? map.set(key, old as V) : map.delete(key)));
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }

  relation(relations: Map<string, Map<string, RelationRecord>>, owner: string, other: string, value: RelationRecord | undefined): void {
    let inner = relations.get(owner);
    if (!inner) {
      if (value === undefined) return;
      inner = new Map();
      this.put(relations, owner, inner);
    }
    this.put(inner, other, value);
    if (!inner.size) this.put(relations, owner, undefined);
  }

  mark(): number {
    return this.steps.length;
  }

  back(mark: number): void {
    while (this.steps.length > mark) this.steps.pop()!();
  }
}

function tokenRecord(t: StoredToken): TokenRecord {
  return { user: t.user, device: t.device, created: t.created, lastSeen: t.lastSeen };
}

function writeState(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, text, 0o600);
}

function serialise(state: State): string {
  const file: StateFile = {
    format: 'ra-messenger-state',
    version: 1,
    users: [...state.users.values()],
    tokens: Object.fromEntries(state.tokens),
    relations: Object.fromEntries([...state.relations].map(([owner, r]) => [owner, Object.fromEntries(r)])),
    invites: [...state.invites.values()],
  };
  return JSON.stringify(file);
}

async function load(path: string): Promise<State> {
  let text: string;
  try {
    text = (await readSmallFile(path, MAX_STATE_BYTES)).toString('utf8');
  } catch (e) {
    if (isMissing(e)) return { users: new Map(), tokens: new Map(), relations: new Map(), invites: new Map() };
    throw new StoreCorrupt(`cannot read the messenger state ${path}: ${(e as Error).message}`);
  }
  try {
    const file = checkState(JSON.parse(text));
    const bad = file.users.find((u) => !isPasswordHash(u.hash));
    if (bad) throw new Error(`the password hash of ${bad.name} is not scrypt$N$r$p$salt$hash`);
    return {
      users: new Map(file.users.map((u) => [u.name, u])),
      tokens: new Map(Object.entries(file.tokens)),
      relations: new Map(Object.entries(file.relations).map(([owner, r]) => [owner, new Map(Object.entries(r))])),
      invites: new Map(file.invites.map((i) => [i.id, i])),
    };
  } catch (e) {
    throw new StoreCorrupt(
      `the messenger state ${path} is corrupt (${(e as Error).message}); the server will not start over it: restore it from a backup or move it away to start empty`,
    );
  }
}
