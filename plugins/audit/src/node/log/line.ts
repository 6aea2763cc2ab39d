import { createHash } from 'node:crypto';
import type { AuditEvent, AuditLine } from '../../common/line.js';
import { canonical } from './canonical.js';

export type { AuditActor, AuditEvent, AuditLine } from '../../common/line.js';

/** Base64 SHA-256 of a line's bytes: what the next line's `prev` holds. */
export const lineHash = (line: string): string => createHash('sha256').update(line, 'utf8').digest('base64');

/** The line for `event` at `seq`, after the line whose hash is `prev`: canonical JSON, one line. */
export function writeLine(event: AuditEvent, seq: number, prev: string, ts = new Date().toISOString()): string {
  const { event: name, session, actor, peer, data } = event;
  return canonical({ v: 1, seq, ts, prev, event: name, session, actor, peer, data } satisfies AuditLine);
}
