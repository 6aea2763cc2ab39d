import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RaError } from '@ra/kernel';
import { DELIVERY_STATES, MAX_INVITATION_BYTES, MAX_PASSWORD_ATTEMPTS, type Delivery, type InvitationRecord, type InvitationStatus } from '../../common/api.js';
import { isMissing, parseJson, readSmallFile, writeFileAtomic } from '@ra/kernel/node';
import { INVITATION_SECRET_BYTES, passwordScalar } from '../pake/password.js';
import { readInvitation, writeInvitation, type InvitationSigner } from './format.js';
import { MAX_LINK_CHARS, writeInvitationLink } from './link.js';

export const INVITATIONS_FILE = 'invitations.json';

/** What the Novice needs to run SPAKE2 for an invitation. Never the password itself. */
export interface InvitationSecrets {
  readonly invitationSecret: Uint8Array;
  /** passwordScalar(invitationSecret, password), with '' for an invitation without a password. */
  readonly w: bigint;
  /** The signed file and its link as they were handed over, for a resend; none in stores from before RA kept them. */
  readonly handed?: Handed;
}

export interface Handed {
  readonly file: string;
  readonly link: string;
}

/** Open invitations at most. */
export const MAX_OPEN = 500;
/** Earlier deliveries kept on a record that was sent again, the newest last. */
export const MAX_HISTORY = 20;

export interface MintRequest {
  readonly noviceName: string;
  readonly message: string;
  readonly expiresAt: Date;
  /** '' for an invitation without a password. */
  readonly password: string;
  readonly addresses: readonly string[];
}

export class InvitationStoreError extends RaError {}

interface Entry {
  readonly record: InvitationRecord;
  readonly secrets?: InvitationSecrets;
}

const STATUSES: readonly InvitationStatus[] = ['open', 'expired', 'deleted', 'locked'];
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Ended invitations are kept this long (`ra invitations list --all`), then pruned, so the file never grows without bound. */
export const ENDED_KEPT_MS = 7 * 24 * 3600_000;

/**
 * The Novice's invitations in `$RA_HOME/invitations.json` (0600). Every operation runs in one queue, and
 * memory changes only after the file was replaced atomically. A damaged file is never overwritten:
 * each operation fails, naming it, until it is repaired or removed. Nothing that is not open can
 * become open again, and secrets are dropped as soon as their invitation can no longer be used.
 */
export class InvitationStore {
  #entries?: Map<string, Entry>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Reading is deferred to the first operation, so a damaged file does not stop RA. */
  static async open(home: string): Promise<InvitationStore> {
    return new InvitationStore(join(home, INVITATIONS_FILE));
  }

  /** Makes an invitation: its id and secret, the password scalar, the signed file. Returns the file's XML and its link. */
  async mint(request: MintRequest, signer: InvitationSigner): Promise<{ record: InvitationRecord; file: string; link: string }> {
    const invitationSecret = new Uint8Array(randomBytes(INVITATION_SECRET_BYTES));
    const record: InvitationRecord = {
      invitationId: newInvitationId(),
      noviceName: request.noviceName,
      message: request.message,
      createdAt: wholeSecond(new Date()),
      expiresAt: wholeSecond(request.expiresAt),
      passwordRequired: request.password !== '',
      status: 'open',
      failedAttempts: 0,
    };
    const file = writeInvitation({ ...record, addresses: request.addresses, invitationSecret }, signer);
    const link = writeInvitationLink(readInvitation(file), signer);
    await this.put(record, { invitationSecret, w: await passwordScalar(invitationSecret, request.password), handed: { file, link } });
    return { record: view(record), file, link };
  }

  /** Adds an invitation; ids are never reused. Without `secrets` it is listed but cannot start a session. */
  async put(record: InvitationRecord, secrets?: InvitationSecrets): Promise<void> {
    await this.#change((entries) => {
      if (entries.has(record.invitationId)) throw new InvitationStoreError(`invitation ${record.invitationId} already exists`);
      // Each open one keeps its file and link (~5 KB): the store stays far below what it reads back.
      const open = [...entries.values()].filter((e) => status(e.record) === 'open').length;
      if (open >= MAX_OPEN) throw new InvitationStoreError(`${open} invitations are open already; end some you no longer need before making another`);
      const entry = { record: checkRecord({ ...record }), secrets: secrets && checkSecrets(secrets) };
      return [entry];
    });
  }

  get(invitationId: string): Promise<InvitationRecord | undefined> {
    return this.#read((entries) => {
      const entry = entries.get(invitationId);
      return entry && view(entry.record);
    });
  }

  list(): Promise<InvitationRecord[]> {
    return this.#read((entries) => [...entries.values()].map((t) => view(t.record)));
  }

  /** Secrets of an open invitation; undefined once it is expired, deleted or locked. */
  secrets(invitationId: string): Promise<InvitationSecrets | undefined> {
    return this.#read((entries) => {
      const entry = entries.get(invitationId);
      if (!entry?.secrets || status(entry.record) !== 'open') return undefined;
      const { invitationSecret, w, handed } = entry.secrets;
      return Object.freeze({ invitationSecret: new Uint8Array(invitationSecret), w, ...(handed && { handed }) });
    });
  }

  /** The file and link of an open invitation, to send it again: the same ticket, the same expiry. */
  async handed(invitationId: string): Promise<Handed | undefined> {
    return (await this.secrets(invitationId))?.handed;
  }

  /** Before a resend: the current delivery joins the record's history, and the new one starts afresh. */
  async resending(invitationId: string): Promise<void> {
    await this.#change((entries) => {
      const entry = existing(entries, invitationId);
      const { delivery, history = [], ...record } = entry.record;
      if (!delivery) return [];
      return [{ ...entry, record: { ...record, history: [...history, delivery].slice(-MAX_HISTORY) } }];
    });
  }

  /** The password scalar of an open invitation, for SPAKE2. */
  async scalar(invitationId: string): Promise<bigint> {
    const secrets = await this.secrets(invitationId);
    if (!secrets) throw new InvitationStoreError(`invitation ${invitationId} is not open`);
    return secrets.w;
  }

  async setStatus(invitationId: string, next: InvitationStatus): Promise<void> {
    await this.#change((entries) => {
      if (!STATUSES.includes(next)) throw new InvitationStoreError(`'${String(next)}' is not an invitation status`);
      const entry = existing(entries, invitationId);
      const current = status(entry.record);
      if (next !== current && (current === 'deleted' || next === 'open')) {
        throw new InvitationStoreError(`invitation ${invitationId} is ${current}; it cannot become ${next}`);
      }
      if (next === entry.record.status) return [];
      // An invitation that ran out ended at its expiry; one ended now, now.
      const endedAt = current === 'open' ? wholeSecond(new Date()) : (entry.record.endedAt ?? entry.record.expiresAt);
      return [{ ...entry, record: { ...entry.record, status: next, endedAt } }];
    });
  }

  async recordFailedAttempt(invitationId: string): Promise<InvitationRecord> {
    const entries = await this.#change((entries) => {
      const entry = existing(entries, invitationId);
      if (status(entry.record) !== 'open') return [];
      const failedAttempts = entry.record.failedAttempts + 1;
      const locked = failedAttempts >= MAX_PASSWORD_ATTEMPTS;
      const now = wholeSecond(new Date());
      const record = { ...entry.record, failedAttempts, lastFailedAt: now, status: locked ? 'locked' : 'open', ...(locked && { endedAt: now }) } as const;
      return [{ ...entry, record }];
    });
    return view(entries.get(invitationId)!.record);
  }

  /**
   * Replaces how far the invitation's delivery got with what `next` makes of the current step; `undefined` leaves
   * it. An invitation that is gone (its creation failed) is left alone: a transport may report late.
   */
  async updateDelivery(invitationId: string, next: (current: Delivery | undefined) => Delivery | undefined): Promise<InvitationRecord | undefined> {
    const entries = await this.#change((entries) => {
      const entry = entries.get(invitationId);
      const delivery = entry && next(entry.record.delivery);
      return entry && delivery ? [{ ...entry, record: { ...entry.record, delivery: checkDelivery(delivery) } }] : [];
    });
    const entry = entries.get(invitationId);
    return entry && view(entry.record);
  }

  /** Forgets an invitation altogether: one whose creation failed, so no ghost row stays. */
  async remove(invitationId: string): Promise<void> {
    await this.#enqueue(async () => {
      const entries = await this.#load();
      if (!entries.has(invitationId)) return;
      const next = new Map(entries);
      next.delete(invitationId);
      await writeFileAtomic(this.path, serialise(next));
      this.#entries = next;
    });
  }

  #read<T>(read: (entries: ReadonlyMap<string, Entry>) => T): Promise<T> {
    return this.#enqueue(async () => read(await this.#load()));
  }

  /**
   * `change` returns the invitations to add or replace; the file is written before memory changes.
   * Resolves to the invitations as they stand after it.
   */
  #change(change: (entries: ReadonlyMap<string, Entry>) => Entry[]): Promise<ReadonlyMap<string, Entry>> {
    return this.#enqueue(async () => {
      const entries = await this.#load();
      const changed = change(entries);
      if (changed.length === 0) return entries;
      const next = new Map(entries);
      for (const entry of changed) next.set(entry.record.invitationId, entry);
      for (const [id, entry] of next) {
        if (entry.secrets && status(entry.record) !== 'open') next.set(id, { record: entry.record });
        const ended = endedAt(entry.record);
        if (ended && Date.now() - ended.getTime() > ENDED_KEPT_MS) next.delete(id);
      }
      await writeFileAtomic(this.path, serialise(next));
      return (this.#entries = next);
    });
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #load(): Promise<Map<string, Entry>> {
    if (this.#entries) return this.#entries;
    let text: string;
    try {
      text = (await readSmallFile(this.path, MAX_FILE_BYTES)).toString('utf8');
    } catch (e) {
      if (!isMissing(e)) throw new InvitationStoreError(`cannot read ${this.path}: ${(e as Error).message}`);
      return (this.#entries = new Map());
    }
    try {
      return (this.#entries = deserialise(parseJson(text, this.path)));
    } catch (e) {
      throw new InvitationStoreError(
        `${this.path} is damaged (${(e as Error).message}); RA leaves it untouched and saves no invitation until it is repaired or removed`,
      );
    }
  }
}

/** 128 random bits, base64url; never starting with '-', which `ra invitations resend ID` would take for an option. */
function newInvitationId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** An `open` invitation past its expiry reads as `expired`. */
function status(record: InvitationRecord): InvitationStatus {
  return record.status === 'open' && Date.now() >= record.expiresAt.getTime() ? 'expired' : record.status;
}

/** When it stopped letting anyone in, or undefined while it is open. */
function endedAt(record: InvitationRecord): Date | undefined {
  if (record.status !== 'open') return record.endedAt ?? record.expiresAt;
  return status(record) === 'expired' ? record.expiresAt : undefined;
}

/** A frozen copy without secrets, with the status as it stands now. */
function view(record: InvitationRecord): InvitationRecord {
  const ended = endedAt(record);
  return Object.freeze({
    ...record,
    createdAt: new Date(record.createdAt),
    expiresAt: new Date(record.expiresAt),
    status: status(record),
    ...(ended && { endedAt: new Date(ended) }),
    ...(record.lastFailedAt && { lastFailedAt: new Date(record.lastFailedAt) }),
    ...(record.delivery && { delivery: Object.freeze({ ...record.delivery, at: new Date(record.delivery.at) }) }),
    ...(record.history && { history: Object.freeze(record.history.map((d) => Object.freeze({ ...d, at: new Date(d.at) }))) }),
  });
}

function existing(entries: ReadonlyMap<string, Entry>, invitationId: string): Entry {
  const entry = entries.get(invitationId);
  if (!entry) throw new InvitationStoreError(`there is no invitation ${invitationId}`);
  return entry;
}

function wholeSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function serialise(entries: ReadonlyMap<string, Entry>): string {
  const list = [...entries.values()].map(({ record, secrets }) => ({
    ...record,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    endedAt: record.endedAt?.toISOString(),
    lastFailedAt: record.lastFailedAt?.toISOString(),
    delivery: record.delivery && { ...record.delivery, at: record.delivery.at.toISOString() },
    history: record.history?.map((d) => ({ ...d, at: d.at.toISOString() })),
    ...(secrets && { invitationSecret: Buffer.from(secrets.invitationSecret).toString('base64'), w: secrets.w.toString(16), ...secrets.handed }),
  }));
  return `${JSON.stringify({ version: 2, invitations: list }, null, 2)}\n`;
}

/** Version 1 named the invitation's id and secret after the ticket; they are read under today's names. */
function upgrade(entry: Record<string, unknown>): Record<string, unknown> {
  const { ticketId, ticketSecret, ...rest } = entry;
  return { invitationId: ticketId, ...(ticketSecret === undefined ? {} : { invitationSecret: ticketSecret }), ...rest };
}

function deserialise(json: unknown): Map<string, Entry> {
  const file = json as { version?: unknown; invitations?: unknown; tickets?: unknown };
  const list = file?.version === 2 ? file.invitations : file?.version === 1 && Array.isArray(file.tickets) ? file.tickets.map(upgrade) : undefined;
  if (!Array.isArray(list)) throw new Error('not a version 2 invitation list');
  const entries = new Map<string, Entry>(
    list.map((entry: Record<string, unknown>, i): [string, Entry] => {
      const fail = (why: string) => new Error(`invitation ${i + 1}: ${why}`);
      if (typeof entry !== 'object' || entry === null) throw fail('not an object');
      const { invitationSecret, w, file, link, createdAt, expiresAt, endedAt, lastFailedAt, delivery, history, ...rest } = entry;
      if (history !== undefined && !(Array.isArray(history) && history.length <= MAX_HISTORY)) throw fail('bad history');
      const optional = {
        endedAt: optionalDate(endedAt),
        lastFailedAt: optionalDate(lastFailedAt),
        delivery: storedDelivery(delivery),
        history: history?.map(storedDelivery),
      };
      const record = checkRecord({ ...rest, createdAt: date(createdAt), expiresAt: date(expiresAt), ...optional } as unknown as InvitationRecord, fail);
      if (invitationSecret === undefined && w === undefined) return [record.invitationId, { record }];
      if (typeof invitationSecret !== 'string' || typeof w !== 'string' || !/^[0-9a-f]{1,64}$/.test(w)) throw fail('bad secrets');
      const handed = file === undefined && link === undefined ? undefined : ({ file, link } as Handed);
      const secrets = { invitationSecret: Buffer.from(invitationSecret, 'base64'), w: BigInt(`0x${w}`), ...(handed && { handed }) };
      return [record.invitationId, { record, secrets: checkSecrets(secrets, fail) }];
    }),
  );
  if (entries.size !== list.length) throw new Error('an invitation id appears twice');
  return entries;
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function date(value: unknown): Date {
  return new Date(typeof value === 'string' ? value : NaN);
}

function optionalDate(value: unknown): Date | undefined {
  return value === undefined ? undefined : date(value);
}

function checkRecord(r: InvitationRecord, fail = (why: string) => new InvitationStoreError(`invalid invitation record: ${why}`)): InvitationRecord {
  if (typeof r.invitationId !== 'string' || r.invitationId === '') throw fail('no invitation id');
  if (typeof r.noviceName !== 'string' || typeof r.message !== 'string') throw fail('no name or message');
  if (!validDate(r.createdAt) || !validDate(r.expiresAt)) throw fail('bad dates');
  if (typeof r.passwordRequired !== 'boolean') throw fail('no passwordRequired');
  if (!STATUSES.includes(r.status)) throw fail(`unknown status ${String(r.status)}`);
  if (!Number.isSafeInteger(r.failedAttempts) || r.failedAttempts < 0) throw fail('bad failedAttempts');
  if ((r.endedAt && !validDate(r.endedAt)) || (r.lastFailedAt && !validDate(r.lastFailedAt))) throw fail('bad dates');
  const { invitationId, noviceName, message, createdAt, expiresAt, passwordRequired, status, failedAttempts, endedAt, lastFailedAt, delivery, history } = r;
  if (delivery) checkDelivery(delivery, fail);
  for (const d of history ?? []) checkDelivery(d, fail);
  return {
    invitationId,
    noviceName,
    message,
    createdAt,
    expiresAt,
    passwordRequired,
    status,
    failedAttempts,
    ...(endedAt && { endedAt }),
    ...(lastFailedAt && { lastFailedAt }),
    ...(delivery && { delivery }),
    ...(history?.length && { history }),
  };
}

/** The longest text a delivery keeps of a transport's target or detail. */
const MAX_DELIVERY_TEXT = 300;

function checkDelivery(d: Delivery, fail = (why: string) => new InvitationStoreError(`invalid invitation record: ${why}`)): Delivery {
  if (typeof d !== 'object' || d === null) throw fail('bad delivery');
  const { transport, target, state, detail, at } = d;
  const text = (value: unknown) => typeof value === 'string' && value.length <= MAX_DELIVERY_TEXT;
  if (!text(transport) || !text(target) || (detail !== undefined && !text(detail))) throw fail('bad delivery transport, target or detail');
  if (!DELIVERY_STATES.includes(state)) throw fail(`unknown delivery state ${String(state)}`);
  if (!validDate(at)) throw fail('bad delivery date');
  return { transport, target, state, ...(detail !== undefined && { detail }), at };
}

function storedDelivery(value: unknown): Delivery | undefined {
  if (value === undefined) return undefined;
  const d = value as Record<string, unknown>;
  return typeof d === 'object' && d !== null ? ({ ...d, at: date(d.at) } as unknown as Delivery) : (value as Delivery);
}

function checkSecrets(s: InvitationSecrets, fail = (why: string) => new InvitationStoreError(`invalid invitation secrets: ${why}`)): InvitationSecrets {
  if (s.invitationSecret.length !== INVITATION_SECRET_BYTES) throw fail(`the entry secret is not ${INVITATION_SECRET_BYTES} bytes`);
  if (s.w <= 0n) throw fail('the password scalar is zero');
  const { handed } = s;
  if (
    handed &&
    !(typeof handed.file === 'string' && handed.file.length <= MAX_INVITATION_BYTES && typeof handed.link === 'string' && handed.link.length <= MAX_LINK_CHARS)
  )
    throw fail('a bad invitation file or link');
  return { invitationSecret: new Uint8Array(s.invitationSecret), w: s.w, ...(handed && { handed: { file: handed.file, link: handed.link } }) };
}
