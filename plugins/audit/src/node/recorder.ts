import { RateLimit, type Disposable, type Limit, type Logger } from '@ra/kernel';
import type { ConsentEvent, SessionHooks, SessionInfo, SessionNote } from '@ra/plugin-session/api';
import type { AuditLog } from './log/audit-log.js';
import type { AuditEvent } from './log/line.js';

/** Lines a minute about connections not yet proven (attempts, refusals); the rest are counted, not written. */
export const MAX_STRANGER_LINES = 120;

export interface RecorderOptions {
  /** Whether chat text goes in the log: the `audit.messages` policy or the user's setting says `text`. */
  readonly keepText?: () => boolean;
  /** Hears each checkpoint signed for a session's event, which the peer is sent. */
  readonly signed?: (sessionId: string, note: string) => void;
  readonly limit?: Limit;
  readonly now?: () => number;
}

/**
 * What the session flows tell the log, a line each: invitations made, sent and run out; connection attempts and
 * helpers turned away (a wrong password among them, with the reason they were told); sessions
 * opened and closed; each consent asked, granted and taken back (connect, control, voice…). A checkpoint is signed
 * at every consent granted or taken back, and at each session's end, so a log cut or rewritten after them shows.
 */
export class Recorder {
  /** Strangers' connections, attempted or turned away, each a line: a flood of them must not fill the disk. */
  private readonly strangers: RateLimit;
  /** Lines about strangers left out since the last one written; the next written says how many. */
  private unwritten = 0;

  private readonly keepText: () => boolean;
  private readonly signed: (sessionId: string, note: string) => void;

  constructor(
    private readonly log: AuditLog,
    private readonly logger: Logger,
    options: RecorderOptions = {},
  ) {
    this.strangers = new RateLimit(options.limit ?? { max: MAX_STRANGER_LINES, windowMs: 60_000 }, options.now);
    this.keepText = options.keepText ?? (() => false);
    this.signed = options.signed ?? (() => undefined);
  }

  listen(hooks: SessionHooks): Disposable[] {
    return [
      hooks.invitationCreated.tap((r) =>
        this.write({
          event: 'invitation.created',
          actor: { role: 'novice', name: r.noviceName },
          data: { invitation: r.invitationId, expiresAt: r.expiresAt.toISOString(), password: r.passwordRequired },
        }),
      ),
      hooks.invitationSent.tap((r) =>
        this.write({
          event: r.resent ? 'invitation.resent' : 'invitation.sent',
          actor: { role: 'novice' },
          data: { invitation: r.invitationId, transport: r.transport, to: r.target },
        }),
      ),
      // Ended before its time: the novice did it.
      hooks.invitationExpired.tap((r) =>
        this.write({
          event: 'invitation.expired',
          actor: { role: r.endedAt && r.endedAt < r.expiresAt ? 'novice' : 'system' },
          data: { invitation: r.invitationId },
        }),
      ),
      hooks.invitationDeleted.tap((r) => this.write({ event: 'invitation.deleted', actor: { role: 'novice' }, data: { invitation: r.invitationId } })),
      hooks.sessionConnecting.tap((c) => {
        this.stranger({
          event: 'session.connect_attempt',
          peer: { name: c.helperName, address: c.remoteAddress },
          data: { invitation: c.invitationId, kind: c.kind },
        });
        return undefined;
      }),
      hooks.helperRefused.tap((r) =>
        this.stranger({
          // A helper who offered unasked, refused: a wrong certificate, group or CRL, or a policy that takes no offers.
          event: r.kind === 'offer' ? 'offer.refused' : 'session.refused',
          peer: { ...(r.helperName && { name: r.helperName }), address: r.from },
          data: { reason: r.reason, invitation: r.invitationId },
        }),
      ),
      hooks.sessionOpened.tap((s) => this.write({ ...this.about(s), event: 'session.opened' })),
      hooks.sessionClosed.tap((s, end) =>
        this.write({ ...this.about(s), event: 'session.closed', actor: { role: end.by === 'system' ? 'system' : end.by }, data: { reason: end.reason } }, true),
      ),
      hooks.consentRequested.tap((c) => this.consent(c, 'requested')),
      hooks.consentGranted.tap((c) => this.consent(c, 'granted')),
      hooks.consentRevoked.tap((c) => this.consent(c, 'ended')),
      hooks.sessionNote.tap((n) => this.note(n)),
    ];
  }

  private consent({ session, scope, reason }: ConsentEvent, step: 'requested' | 'granted' | 'ended'): void {
    // The novice grants and takes back; the helper (or the side that asks) requests.
    const role = step === 'requested' ? (session.role === 'novice' ? 'helper' : 'novice') : 'novice';
    this.write({ ...this.about(session), event: `${scope}.${step}`, actor: { role }, data: reason ? { reason } : undefined }, step !== 'requested');
  }

  /**
   * A channel's note (`chat.sent`, `chat.received`): who did it, and its data. What was said (`text`) is kept only when
   * the policy or the user asks; otherwise only its length, so the log says a message was sent and not what it said.
   */
  private note({ session, channel, event, data }: SessionNote): void {
    const { text, ...rest } = data;
    const said = typeof text !== 'string' ? {} : this.keepText() ? { text } : { chars: [...text].length };
    const role = event === 'received' ? (session.role === 'novice' ? 'helper' : 'novice') : session.role;
    this.write({ ...this.about(session), event: `${channel}.${event}`, actor: { role }, data: { ...rest, ...said } });
  }

  private about(s: SessionInfo): Pick<AuditEvent, 'session' | 'peer'> {
    const certified = s.certified && { org: s.certified.org, serial: s.certified.serial };
    return { session: s.id, peer: { name: s.peerName, role: s.role === 'novice' ? 'helper' : 'novice', ...certified } };
  }

  /** A line about a connection not yet proven, within the allowance; what was left out is counted on the next. */
  private stranger(event: AuditEvent): void {
    if (!this.strangers.take()) return void this.unwritten++;
    const left = this.unwritten;
    this.unwritten = 0;
    this.write(left ? { ...event, data: { ...event.data, linesLeftOutBefore: left } } : event);
  }

  /** A line, and a checkpoint after it where asked; the disk refusing is said in RA's log, the event kept for later. */
  private write(event: AuditEvent, checkpoint = false): void {
    const appended = this.log.append(event);
    const done = checkpoint ? appended.then(() => this.log.checkpoint()).then((note) => event.session && this.signed(event.session, note)) : appended;
    done.catch((e: Error) => this.logger.warn(`ra.audit: ${e.message}`));
  }
}
