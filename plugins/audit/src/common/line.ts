/** The session log's lines as the API, the CLI and the page read them. */

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
