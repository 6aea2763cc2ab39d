import { ApiError, toDisposable, type Disposable, type Logger, type Role } from '@ra/kernel';
import { type SessionChannel } from '../../common/api.js';
import type { Certified, SessionHooks } from '../../common/api.js';
import type { SessionView } from '../../common/views.js';
import { RESUME_MS } from './resume.js';
import { Session, type SessionEvents } from './session.js';

export interface RegistryListener {
  changed(): void;
  frame(sessionId: string, channel: string, payload: string | Uint8Array): void;
}

/** Ended sessions stay listed so both people can read who ended it and why. */
const ENDED_KEPT = 20;

/** Every session of this machine, in either role, and the people watching them in the UI. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<RegistryListener>();
  private readonly opened = new Set<string>();

  constructor(
    private readonly channels: () => SessionChannel[],
    private readonly hooks: SessionHooks,
    private readonly logger: Logger,
    /** How long a session whose path dropped waits to resume; RESUME_MS unless a spec shortens it. */
    private readonly resumeMs = RESUME_MS,
  ) {}

  create(invitationId: string, role: Role, peerName: string, localName: string, peerAddress: string, certified?: Certified): Session {
    const session = new Session(invitationId, role, peerName, localName, peerAddress, this.events, this.logger, this.resumeMs, certified);
    this.sessions.set(session.id, session);
    this.prune();
    this.notify();
    return session;
  }

  list(): SessionView[] {
    return [...this.sessions.values()].map((s) => s.view());
  }

  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new ApiError(404, `no session '${id}'`);
    return session;
  }

  /** Whether a helper holds this invitation now, handshake included. */
  busy(invitationId: string): boolean {
    return [...this.sessions.values()].some((s) => s.role === 'novice' && s.invitationId === invitationId && !s.ended);
  }

  /** The novice's session a resuming helper names, by the id both derived from the password proof; an ended one too, to say who ended it. */
  byResumeId(resumeId: string): Session | undefined {
    return [...this.sessions.values()].find((s) => s.role === 'novice' && s.resumeId !== undefined && s.resumeId === resumeId);
  }

  /** The novice lets the helper in: only now does anything of the screen leave the machine. */
  async accept(id: string): Promise<SessionView> {
    await this.pending(id, 'accept').open(this.channels(), true);
    const session = this.get(id);
    await this.hooks.consentGranted.call({ session: session.info, scope: 'connect' });
    return session.view();
  }

  /** The helper heard Accept: its channels open to take the novice's frames. */
  openHelper(session: Session): Promise<void> {
    return session.open(this.channels());
  }

  decline(id: string): SessionView {
    const session = this.pending(id, 'decline');
    session.disconnect('novice', 'the novice declined the request');
    return session.view();
  }

  disconnect(id: string): SessionView {
    const session = this.get(id);
    if (session.ended) throw new ApiError(409, 'this session has already ended');
    session.disconnect(session.role, `the ${session.role} disconnected`);
    return session.view();
  }

  /** The novice takes back one right of one helper (`control`): the session goes on without it. */
  revoke(id: string, scope: string): SessionView {
    const session = this.get(id);
    if (session.role !== 'novice') throw new ApiError(409, 'only the novice can take back a right');
    session.revoke(scope, `${session.localName} took it back`);
    return session.view();
  }

  subscribe(listener: RegistryListener): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.disconnect(session.role, `RA stopped on the ${session.role}'s computer`);
  }

  private pending(id: string, what: string): Session {
    const session = this.get(id);
    if (session.role !== 'novice') throw new ApiError(409, `only the novice can ${what} a session`);
    if (session.current !== 'awaiting-consent') throw new ApiError(409, `this session is ${session.current}, not waiting for an answer`);
    return session;
  }

  private readonly events: SessionEvents = {
    changed: () => this.notify(),
    frame: (session, channel, payload) => {
      for (const l of this.listeners) l.frame(session.id, channel, payload);
    },
    opened: (session) => {
      this.opened.add(session.id);
      void this.hooks.sessionOpened.call(session.info);
    },
    ended: (session) => {
      const { endedBy, reason } = session.view();
      if (this.opened.delete(session.id)) {
        void this.hooks.sessionClosed.call(session.info, { by: endedBy === 'novice' || endedBy === 'helper' ? endedBy : 'system', reason: reason ?? '' });
      }
    },
    consent: (session, scope, step, reason) => {
      const hook = { requested: this.hooks.consentRequested, granted: this.hooks.consentGranted, revoked: this.hooks.consentRevoked }[step];
      void hook.call({ session: session.info, scope, reason });
    },
    note: (session, channel, event, data) => void this.hooks.sessionNote.call({ session: session.info, channel, event, data }),
  };

  private notify(): void {
    for (const l of this.listeners) l.changed();
  }

  private prune(): void {
    const ended = [...this.sessions.values()].filter((s) => s.ended);
    for (const s of ended.slice(0, Math.max(0, ended.length - ENDED_KEPT))) this.sessions.delete(s.id);
  }
}
