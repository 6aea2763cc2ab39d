import { createHash } from 'node:crypto';
import { canonical } from './canonical.js';

/** Who did something, as the log names them. */
export interface AuditActor {
  readonly role: 'novice' | 'helper' | 'ops' | 'system';
  readonly name?: string;
}

/** One thing that happened, e.g. `control.granted` in a session, by the novice, with what is worth keeping of it. */
export interface AuditEvent {
  /** Dotted, from the flow that owns it: `invitation.created`, `session.opened`, `control.ended`… */
  readonly event: string;
  readonly session?: string;
  readonly actor?: AuditActor;
  /** The other side, as far as it is known: its name (its own words), address, certificate. */
  readonly peer?: Readonly<Record<string, string>>;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A line as written: the event, its place in the log, when, and the hash of the line before it. */
export interface AuditLine extends AuditEvent {
  readonly v: 1;
  readonly seq: number;
  readonly ts: string;
  /** Base64 SHA-256 of the previous line's bytes; empty for the first. */
  readonly prev: string;
}

/** Base64 SHA-256 of a line's bytes: what the next line's `prev` holds. */
export const lineHash = (line: string): string => createHash('sha256').update(line, 'utf8').digest('base64');

/** The line for `event` at `seq`, after the line whose hash is `prev`: canonical JSON, one line. */
export function writeLine(event: AuditEvent, seq: number, prev: string, ts = new Date().toISOString()): string {
  const { event: name, session, actor, peer, data } = event;
  return canonical({ v: 1, seq, ts, prev, event: name, session, actor, peer, data } satisfies AuditLine);
}
