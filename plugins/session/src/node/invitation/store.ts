import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RaError } from '@ra/kernel';
import { type InvitationRecord, type InvitationStatus } from '../../common/api.js';
import { isMissing, parseJson, readSmallFile, writeFileAtomic } from '@ra/kernel/node';
import { TICKET_SECRET_BYTES, passwordScalar } from '../pake/password.js';
import { writeInvitation, type InvitationSigner } from './format.js';

/** Wrong passwords an invitation survives; the fifth locks it. */
export const MAX_PASSWORD_ATTEMPTS = 5;
export const TICKETS_FILE = 'invitations.json';

/** What the Novice needs to run SPAKE2 for a ticket. Never the password itself. */
export interface TicketSecrets {
  readonly ticketSecret: Uint8Array;
  /** passwordScalar(ticketSecret, password), with '' for an invitation without a password. */
  readonly w: bigint;
}

export interface MintRequest {
  readonly noviceName: string;
  readonly message: string;
  readonly expiresAt: Date;
  /** '' for an invitation without a password. */
  readonly password: string;
  readonly addresses: readonly string[];
}

export class InvitationStoreError extends RaError {}

interface Ticket {
  readonly record: InvitationRecord;
  readonly secrets?: TicketSecrets;
}

const STATUSES: readonly InvitationStatus[] = ['open', 'expired', 'deleted', 'locked'];
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The Novice's tickets in `$RA_HOME/invitations.json` (0600). Every operation runs in one queue, and
 * memory changes only after the file was replaced atomically. A damaged file is never overwritten:
 * each operation fails, naming it, until it is repaired or removed. Nothing that is not open can
 * become open again, and secrets are dropped as soon as their ticket can no longer be used.
 */
export class InvitationStore {
  #tickets?: Map<string, Ticket>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Reading is deferred to the first operation, so a damaged file does not stop RA. */
  static async open(home: string): Promise<InvitationStore> {
    return new InvitationStore(join(home, TICKETS_FILE));
  }

  /** Makes a ticket: its id and secret, the password scalar, the signed file. Returns the file's XML. */
  async mint(request: MintRequest, signer: InvitationSigner): Promise<{ record: InvitationRecord; file: string }> {
    const ticketSecret = new Uint8Array(randomBytes(TICKET_SECRET_BYTES));
    const record: InvitationRecord = {
      ticketId: randomBytes(16).toString('base64url'),
      noviceName: request.noviceName,
      message: request.message,
      createdAt: wholeSecond(new Date()),
      expiresAt: wholeSecond(request.expiresAt),
      passwordRequired: request.password !== '',
      status: 'open',
      failedAttempts: 0,
    };
    const file = writeInvitation({ ...record, addresses: request.addresses, ticketSecret }, signer);
    await this.put(record, { ticketSecret, w: await passwordScalar(ticketSecret, request.password) });
    return { record: view(record), file };
  }

  /** Adds a ticket; ids are never reused. Without `secrets` it is listed but cannot start a session. */
  async put(record: InvitationRecord, secrets?: TicketSecrets): Promise<void> {
    await this.#change((tickets) => {
      if (tickets.has(record.ticketId)) throw new InvitationStoreError(`invitation ${record.ticketId} already exists`);
      const ticket = { record: checkRecord({ ...record }), secrets: secrets && checkSecrets(secrets) };
      return [ticket];
    });
  }

  get(ticketId: string): Promise<InvitationRecord | undefined> {
    return this.#read((tickets) => {
      const ticket = tickets.get(ticketId);
      return ticket && view(ticket.record);
    });
  }

  list(): Promise<InvitationRecord[]> {
    return this.#read((tickets) => [...tickets.values()].map((t) => view(t.record)));
  }

  /** Secrets of an open ticket; undefined once it is expired, deleted or locked. */
  secrets(ticketId: string): Promise<TicketSecrets | undefined> {
    return this.#read((tickets) => {
      const ticket = tickets.get(ticketId);
      if (!ticket?.secrets || status(ticket.record) !== 'open') return undefined;
      return Object.freeze({ ticketSecret: new Uint8Array(ticket.secrets.ticketSecret), w: ticket.secrets.w });
    });
  }

  /** The password scalar of an open ticket, for SPAKE2. */
  async scalar(ticketId: string): Promise<bigint> {
    const secrets = await this.secrets(ticketId);
    if (!secrets) throw new InvitationStoreError(`invitation ${ticketId} is not open`);
    return secrets.w;
  }

  async setStatus(ticketId: string, next: InvitationStatus): Promise<void> {
    await this.#change((tickets) => {
      if (!STATUSES.includes(next)) throw new InvitationStoreError(`'${String(next)}' is not an invitation status`);
      const ticket = existing(tickets, ticketId);
      const current = status(ticket.record);
      if (next !== current && (current === 'deleted' || next === 'open')) {
        throw new InvitationStoreError(`invitation ${ticketId} is ${current}; it cannot become ${next}`);
      }
      if (next === ticket.record.status) return [];
      return [{ ...ticket, record: { ...ticket.record, status: next } }];
    });
  }

  async recordFailedAttempt(ticketId: string): Promise<InvitationRecord> {
    const tickets = await this.#change((tickets) => {
      const ticket = existing(tickets, ticketId);
      if (status(ticket.record) !== 'open') return [];
      const failedAttempts = ticket.record.failedAttempts + 1;
      const locked = failedAttempts >= MAX_PASSWORD_ATTEMPTS;
      return [{ ...ticket, record: { ...ticket.record, failedAttempts, status: locked ? 'locked' : 'open' } }];
    });
    return view(tickets.get(ticketId)!.record);
  }

  #read<T>(read: (tickets: ReadonlyMap<string, Ticket>) => T): Promise<T> {
    return this.#enqueue(async () => read(await this.#load()));
  }

  /**
   * `change` returns the tickets to add or replace; the file is written before memory changes.
   * Resolves to the tickets as they stand after it.
   */
  #change(change: (tickets: ReadonlyMap<string, Ticket>) => Ticket[]): Promise<ReadonlyMap<string, Ticket>> {
    return this.#enqueue(async () => {
      const tickets = await this.#load();
      const changed = change(tickets);
      if (changed.length === 0) return tickets;
      const next = new Map(tickets);
      for (const ticket of changed) next.set(ticket.record.ticketId, ticket);
      for (const [id, ticket] of next) {
        if (ticket.secrets && status(ticket.record) !== 'open') next.set(id, { record: ticket.record });
      }
      await writeFileAtomic(this.path, serialise(next));
      return (this.#tickets = next);
    });
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #load(): Promise<Map<string, Ticket>> {
    if (this.#tickets) return this.#tickets;
    let text: string;
    try {
      text = (await readSmallFile(this.path, MAX_FILE_BYTES)).toString('utf8');
    } catch (e) {
      if (!isMissing(e)) throw new InvitationStoreError(`cannot read ${this.path}: ${(e as Error).message}`);
      return (this.#tickets = new Map());
    }
    try {
      return (this.#tickets = deserialise(parseJson(text, this.path)));
    } catch (e) {
      throw new InvitationStoreError(
        `${this.path} is damaged (${(e as Error).message}); RA leaves it untouched and saves no invitation until it is repaired or removed`,
      );
    }
  }
}

/** An `open` ticket past its expiry reads as `expired`. */
function status(record: InvitationRecord): InvitationStatus {
  return record.status === 'open' && Date.now() >= record.expiresAt.getTime() ? 'expired' : record.status;
}

/** A frozen copy without secrets, with the status as it stands now. */
function view(record: InvitationRecord): InvitationRecord {
  return Object.freeze({
    ...record,
    createdAt: new Date(record.createdAt),
    expiresAt: new Date(record.expiresAt),
    status: status(record),
  });
}

function existing(tickets: ReadonlyMap<string, Ticket>, ticketId: string): Ticket {
  const ticket = tickets.get(ticketId);
  if (!ticket) throw new InvitationStoreError(`there is no invitation ${ticketId}`);
  return ticket;
}

function wholeSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function serialise(tickets: ReadonlyMap<string, Ticket>): string {
  const list = [...tickets.values()].map(({ record, secrets }) => ({
    ...record,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    ...(secrets && { ticketSecret: Buffer.from(secrets.ticketSecret).toString('base64'), w: secrets.w.toString(16) }),
  }));
  return `${JSON.stringify({ version: 1, tickets: list }, null, 2)}\n`;
}

function deserialise(json: unknown): Map<string, Ticket> {
  const file = json as { version?: unknown; tickets?: unknown };
  if (file?.version !== 1 || !Array.isArray(file.tickets)) throw new Error('not a version 1 ticket list');
  const tickets = new Map<string, Ticket>(
    file.tickets.map((entry: Record<string, unknown>, i): [string, Ticket] => {
      const fail = (why: string) => new Error(`ticket ${i + 1}: ${why}`);
      if (typeof entry !== 'object' || entry === null) throw fail('not an object');
      const { ticketSecret, w, createdAt, expiresAt, ...rest } = entry;
      const record = checkRecord({ ...rest, createdAt: date(createdAt), expiresAt: date(expiresAt) } as unknown as InvitationRecord, fail);
      if (ticketSecret === undefined && w === undefined) return [record.ticketId, { record }];
      if (typeof ticketSecret !== 'string' || typeof w !== 'string' || !/^[0-9a-f]{1,64}$/.test(w)) throw fail('bad secrets');
      return [record.ticketId, { record, secrets: checkSecrets({ ticketSecret: Buffer.from(ticketSecret, 'base64'), w: BigInt(`0x${w}`) }, fail) }];
    }),
  );
  if (tickets.size !== file.tickets.length) throw new Error('a ticket id appears twice');
  return tickets;
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function date(value: unknown): Date {
  return new Date(typeof value === 'string' ? value : NaN);
}

function checkRecord(r: InvitationRecord, fail = (why: string) => new InvitationStoreError(`invalid invitation record: ${why}`)): InvitationRecord {
  if (typeof r.ticketId !== 'string' || r.ticketId === '') throw fail('no ticket id');
  if (typeof r.noviceName !== 'string' || typeof r.message !== 'string') throw fail('no name or message');
  if (!validDate(r.createdAt) || !validDate(r.expiresAt)) throw fail('bad dates');
  if (typeof r.passwordRequired !== 'boolean') throw fail('no passwordRequired');
  if (!STATUSES.includes(r.status)) throw fail(`unknown status ${String(r.status)}`);
  if (!Number.isSafeInteger(r.failedAttempts) || r.failedAttempts < 0) throw fail('bad failedAttempts');
  const { ticketId, noviceName, message, createdAt, expiresAt, passwordRequired, status, failedAttempts } = r;
  return { ticketId, noviceName, message, createdAt, expiresAt, passwordRequired, status, failedAttempts };
}

function checkSecrets(s: TicketSecrets, fail = (why: string) => new InvitationStoreError(`invalid ticket secrets: ${why}`)): TicketSecrets {
  if (s.ticketSecret.length !== TICKET_SECRET_BYTES) throw fail(`the ticket secret is not ${TICKET_SECRET_BYTES} bytes`);
  if (s.w <= 0n) throw fail('the password scalar is zero');
  return { ticketSecret: new Uint8Array(s.ticketSecret), w: s.w };
}
