import { RateLimit, type Disposable, type Logger } from '@ra/kernel';
import type { ConsentEvent, SessionHooks, SessionInfo } from '@ra/plugin-session/api';
import type { AuditLog } from './log/audit-log.js';
import type { AuditEvent } from './log/line.js';

/** Lines a minute about connections not yet proven (attempts, refusals); the rest are counted, not written. */
export const MAX_STRANGER_LINES = 120;

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

  constructor(
    private readonly log: AuditLog,
    private readonly logger: Logger,
    limit = { max: MAX_STRANGER_LINES, windowMs: 60_000 },
    now?: () => number,
  ) {
    this.strangers = new RateLimit(limit, now);
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
        this.write({ event: 'invitation.sent', actor: { role: 'novice' }, data: { invitation: r.invitationId, transport: r.transport, to: r.target } }),
      ),
      hooks.invitationExpired.tap((r) => this.write({ event: 'invitation.expired', actor: { role: 'system' }, data: { invitation: r.invitationId } })),
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
    ];
  }

  private consent({ session, scope, reason }: ConsentEvent, step: 'requested' | 'granted' | 'ended'): void {
    // The novice grants and takes back; the helper (or the side that asks) requests.
    const role = step === 'requested' ? (session.role === 'novice' ? 'helper' : 'novice') : 'novice';
    this.write({ ...this.about(session), event: `${scope}.${step}`, actor: { role }, data: reason ? { reason } : undefined }, step !== 'requested');
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
    const done = checkpoint ? this.log.append(event).then(() => this.log.checkpoint()) : this.log.append(event);
    done.catch((e: Error) => this.logger.warn(`ra.audit: ${e.message}`));
  }
}
