import type { KeyObject } from 'node:crypto';
import { canonical } from './canonical.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { lineHash, type AuditLine } from './line.js';
import { MerkleRange } from './merkle.js';

/** What `ra audit verify` finds: all good, or the first bad line (1-based) or checkpoint, and what is wrong with it. */
export type Verdict =
  | { readonly ok: true; readonly lines: number; readonly checkpoints: number }
  | { readonly ok: false; readonly line?: number; readonly checkpoint?: number; readonly reason: string };

/**
 * Checks a log and this machine's checkpoints of it (signed by `publicKey` as `origin`): each line is canonical, in
 * sequence and chained to the one before; each checkpoint is signed, never shrinks, and its root is the log's at its
 * size. A changed, missing, swapped or cut line is named by number; a single change is pinned to its own line.
 */
export function verifyLog(text: string, notes: readonly string[], publicKey: KeyObject, origin: string): Verdict {
  const lines = text === '' ? [] : text.split('\n');
  if (lines.length && lines.pop() !== '') return { ok: false, line: lines.length + 1, reason: 'it is cut short: it has no end of line' };
  const parsed: AuditLine[] = [];
  for (const [i, line] of lines.entries()) {
    const bad = (reason: string, at = i): Verdict => ({ ok: false, line: at + 1, reason });
    const record = read(line);
    if (typeof record === 'string') return bad(record);
    if (record.seq > i) {
      const moved = lines.slice(i + 1).some((l) => {
        const other = read(l);
        return typeof other === 'object' && other.seq === i;
      });
      return bad(
        moved
          ? `it is out of place: it is number ${record.seq + 1}, and number ${i + 1} comes after it`
          : `line ${i + 1} is missing: this one is number ${record.seq + 1}`,
      );
    }
    if (record.seq < i) return bad(`it is out of place: it is number ${record.seq + 1}`);
    parsed.push(record);
    if (record.prev === (i === 0 ? '' : lineHash(lines[i - 1]))) continue;
    // The chain breaks here: this line's prev was changed, or the line before it was. The line after tells which:
    // it still follows this line unless this line was changed too. For the last line, a checkpoint signed just
    // before it tells, if there is one.
    if (i === lines.length - 1 && i > 0) return lastLink(lines, notes, publicKey) ?? bad('it does not follow the line before: one of the two was changed');
    const next = i + 1 < lines.length ? read(lines[i + 1]) : undefined;
    const thisChanged = i === 0 || (typeof next === 'object' && next.prev !== lineHash(line));
    return thisChanged
      ? bad('it was changed: its link to the line before does not match')
      : bad('it was changed after it was written: the next line no longer follows it', i - 1);
  }
  return checkpoints(lines, notes, publicKey, origin);
}

/**
 * The last line does not follow the one before: a valid checkpoint of exactly the lines before it says whether those
 * are as signed (then the last line's link was changed) or not (then the line before it was).
 */
function lastLink(lines: readonly string[], notes: readonly string[], publicKey: KeyObject): Verdict | undefined {
  const before = lines.length - 1;
  for (const [index, note] of notes.entries()) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, publicKey);
    } catch {
      continue;
    }
    if (checkpoint.size !== before) continue;
    const range = new MerkleRange();
    for (const line of lines.slice(0, before)) range.append(line);
    return range.root().equals(checkpoint.root)
      ? { ok: false, line: before + 1, reason: 'it was changed: its link to the line before does not match' }
      : { ok: false, line: before, reason: `it is not what checkpoint ${index + 1} signed: the next line no longer follows it` };
  }
  return undefined;
}

/** A line as a record, or what is wrong with it. */
function read(line: string): AuditLine | string {
  let record: AuditLine;
  try {
    record = JSON.parse(line) as AuditLine;
  } catch {
    return 'it is not JSON';
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'it is not an audit record';
  try {
    if (canonical(record) !== line) return 'it was edited: it is not written the way RA writes it';
  } catch (e) {
    return `it was edited: ${(e as Error).message}`;
  }
  if (record.v !== 1) return `it is of a version this RA does not read (${String(record.v)})`;
  if (!Number.isSafeInteger(record.seq) || record.seq < 0) return 'its number is not a count';
  if (typeof record.ts !== 'string' || Number.isNaN(Date.parse(record.ts))) return 'its time is not a time';
  if (typeof record.event !== 'string' || !record.event) return 'it names no event';
  if (typeof record.prev !== 'string') return 'it has no link to the line before';
  return record;
}

/** Each checkpoint, in the order written: signed, growing, and the root of the lines it covers. */
function checkpoints(lines: readonly string[], notes: readonly string[], publicKey: KeyObject, origin: string): Verdict {
  const opened: (Checkpoint & { index: number })[] = [];
  for (const [index, note] of notes.entries()) {
    const bad = (reason: string): Verdict => ({ ok: false, checkpoint: index + 1, reason });
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, publicKey);
    } catch (e) {
      return bad((e as Error).message);
    }
    if (checkpoint.origin !== origin) return bad(`it is of another log (${checkpoint.origin}, not ${origin})`);
    const before = opened.at(-1);
    if (before && checkpoint.size < before.size) return bad(`it covers ${checkpoint.size} lines, fewer than the one before it (${before.size})`);
    if (checkpoint.size > lines.length)
      return {
        ok: false,
        line: lines.length + 1,
        reason: `the log was cut: checkpoint ${index + 1} covers ${checkpoint.size} lines, and only ${lines.length} are left`,
      };
    opened.push({ ...checkpoint, index });
  }
  const range = new MerkleRange();
  for (const checkpoint of [...opened].sort((a, b) => a.size - b.size)) {
    while (range.size < checkpoint.size) range.append(lines[range.size]);
    // The chain held, so no single line before the last it covers can differ: that one was rewritten.
    if (!range.root().equals(checkpoint.root))
      return { ok: false, line: checkpoint.size, reason: `it is not what checkpoint ${checkpoint.index + 1} signed: the log was rewritten up to here` };
  }
  return { ok: true, lines: lines.length, checkpoints: notes.length };
}
