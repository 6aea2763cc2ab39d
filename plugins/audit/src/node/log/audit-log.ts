import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appendFile, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawKey, signCheckpoint } from './checkpoint.js';
import { lineHash, writeLine, type AuditEvent, type AuditLine } from './line.js';
import { MerkleRange } from './merkle.js';
import { verifyLog, type Verdict } from './verify.js';

/** Events waiting for a disk that refused them (full, read-only): past this the oldest go, and the log says how many. */
export const MAX_PENDING = 1000;

/** The files of one machine's log, in RA's home: the lines, the signed checkpoints, and the key that signs them. */
export const LOG_FILE = 'log.jsonl';
export const CHECKPOINTS_FILE = 'checkpoints.jsonl';
export const KEY_FILE = 'key.pem';

/**
 * This machine's session log: one canonical JSON line per event, each chained to the one before by its hash, and
 * checkpoints (C2SP signed notes over the Merkle tree hash) signed with a key of this install's own. Appends are in
 * call order; an event the disk refuses waits (bounded) and goes with the next write that succeeds.
 */
export class AuditLog {
  private pending: AuditEvent[] = [];
  private dropped = 0;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly folder: string,
    private readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
    private seq: number,
    private prev: string,
    private readonly range: MerkleRange,
    /** Bytes of whole lines on disk: a write the disk cut short is cut back to here. */
    private bytes: number,
  ) {}

  /** The log's name in its checkpoints, from this install's key: `ra.audit/` and 16 hex digits of its hash. */
  get origin(): string {
    return originOf(this.publicKey);
  }

  /** SHA-256 of the public key, hex: what Settings shows, and a peer pins. */
  get fingerprint(): string {
    return createHash('sha256').update(rawKey(this.publicKey)).digest('hex');
  }

  /** Lines written so far. */
  get size(): number {
    return this.seq;
  }

  /**
   * Opens the log in `folder` (made 0700, the key 0600 on first use). A last line cut short (the disk filled, the
   * power went) was never complete: it is cut off, and the log's next line says how many bytes.
   */
  static async open(folder: string): Promise<AuditLog> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const privateKey = await loadKey(join(folder, KEY_FILE));
    const file = join(folder, LOG_FILE);
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) await truncate(file, Buffer.byteLength(text.slice(0, end)));
    const lines = text.slice(0, end).split('\n').slice(0, -1);
    const range = new MerkleRange();
    for (const line of lines) range.append(line);
    const head = lines.length ? lineHash(lines[lines.length - 1]) : '';
    const log = new AuditLog(folder, privateKey, createPublicKey(privateKey), lines.length, head, range, Buffer.byteLength(text.slice(0, end)));
    if (end < text.length) await log.append({ event: 'audit.recovered', actor: { role: 'system' }, data: { cutBytes: Buffer.byteLength(text.slice(end)) } });
    return log;
  }

  /** Writes the event as the next line; resolves once it is on disk, rejects (the event kept) when the disk refuses. */
  append(event: AuditEvent): Promise<void> {
    this.pending.push(event);
    if (this.pending.length > MAX_PENDING) {
      this.dropped += this.pending.length - MAX_PENDING;
      this.pending.splice(0, this.pending.length - MAX_PENDING);
    }
    return this.serial(() => this.flush());
  }

  /** Signs a checkpoint of the log as it is now (after what is pending) and keeps it; resolves with the note. */
  checkpoint(): Promise<string> {
    return this.serial(async () => {
      await this.flush();
      const note = signCheckpoint({ origin: this.origin, size: this.range.size, root: this.range.root() }, this.privateKey);
      await appendFile(join(this.folder, CHECKPOINTS_FILE), `${JSON.stringify({ note })}\n`, { mode: 0o600 });
      return note;
    });
  }

  /**
   * A checkpoint of the lines on disk now, signed at once, for a session's last word to its peer before the goodbye.
   * Not kept here: the checkpoint at the session's end follows, and those kept must grow in order.
   */
  signNow(): string {
    return signCheckpoint({ origin: this.origin, size: this.range.size, root: this.range.root() }, this.privateKey);
  }

  /** Checks the log on disk and its checkpoints (see verifyLog). */
  async verify(): Promise<Verdict> {
    await this.writing.catch(() => undefined);
    const { lines, notes } = await readLog(this.folder);
    return verifyLog(lines, notes, this.publicKey, this.origin);
  }

  /** The lines on disk, parsed, for `ra audit show` and the page's history. */
  async records(): Promise<AuditLine[]> {
    await this.writing.catch(() => undefined);
    const { lines } = await readLog(this.folder);
    return lines
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditLine);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.catch(() => undefined).then(work);
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Writes what is pending, in order, a line at a time: whatever the disk took is chained, the rest waits. */
  private async flush(): Promise<void> {
    if (this.dropped) {
      this.pending.unshift({ event: 'audit.lost', actor: { role: 'system' }, data: { events: this.dropped } });
      this.dropped = 0;
    }
    while (this.pending.length) {
      const line = writeLine(this.pending[0], this.seq, this.prev);
      const file = join(this.folder, LOG_FILE);
      try {
        await appendFile(file, `${line}\n`, { mode: 0o600 });
      } catch (e) {
        // Part of the line may have gone (a full disk): what is on disk ends with a whole line again.
        await truncate(file, this.bytes).catch(() => undefined);
        throw new Error(`the audit log could not be written (${(e as Error).message}); ${this.pending.length} events wait for the disk`);
      }
      this.bytes += Buffer.byteLength(line) + 1;
      this.pending.shift();
      this.seq++;
      this.prev = lineHash(line);
      this.range.append(line);
    }
  }
}

/** The log's name in its checkpoints, from the key that signs them. */
export const originOf = (publicKey: KeyObject): string => `ra.audit/${createHash('sha256').update(rawKey(publicKey)).digest('hex').slice(0, 16)}`;

/** The log's lines and its checkpoints' notes, as on disk. */
export async function readLog(folder: string): Promise<{ lines: string; notes: string[] }> {
  const missing = (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e));
  const lines = await readFile(join(folder, LOG_FILE), 'utf8').catch(missing);
  const checkpoints = await readFile(join(folder, CHECKPOINTS_FILE), 'utf8').catch(missing);
  const notes = checkpoints
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      try {
        return String((JSON.parse(line) as { note: unknown }).note);
      } catch {
        return `(line ${i + 1} of ${CHECKPOINTS_FILE} is not JSON)`;
      }
    });
  return { lines, notes };
}

/** This install's Ed25519 key: made on first use, 0600. */
async function loadKey(file: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the audit key ${file} cannot be read: ${(e as Error).message}`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return privateKey;
}
