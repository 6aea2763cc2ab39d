import { ApiError, toDisposable, type ApiRoute, type ApiSocket, type Disposable, type UiSocket } from '@ra/kernel';
import type { ControlStatus, ControlView } from '../common/messages.js';
import type { HelperControl } from './helper-control.js';
import type { NoviceControl } from './novice-control.js';

/** The status is read from the endpoint each time, so counts are never stale. */
type Entry = { readonly view: Omit<ControlView, keyof ControlStatus>; readonly end: NoviceControl | HelperControl };

/** Every session's control status on this machine, its routes, and the socket its pages watch. */
export class ControlHub implements Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly sockets = new Set<UiSocket>();

  add(sessionId: string, role: 'novice' | 'helper', peerName: string, end: NoviceControl | HelperControl): Disposable {
    this.entries.set(sessionId, { view: { sessionId, role, peerName }, end });
    this.broadcast();
    return toDisposable(() => {
      this.entries.delete(sessionId);
      this.broadcast();
    });
  }

  /** A session's control status changed: tell the pages. */
  changed(sessionId: string): void {
    if (this.entries.has(sessionId)) this.broadcast();
  }

  /** ra.control stops: every control period ends, and the pages hear that the socket closed. */
  dispose(): void {
    for (const { end } of this.entries.values()) end.dispose();
    for (const socket of this.sockets) socket.close('Take Control stopped on this computer');
  }

  /** Whether a session other than `sessionId` shares control of this machine now. */
  sharedElsewhere(sessionId: string): boolean {
    return this.noviceEnds(sessionId).some((end) => end.phase === 'shared');
  }

  /** Ends every other session's pending request: no Yes waits on screen while a helper's input can reach it. */
  withdrawOthers(sessionId: string, why: string): void {
    for (const end of this.noviceEnds(sessionId)) if (end.phase === 'requested') end.withdraw(why);
  }

  /** The novice ends of this machine's other sessions. */
  private noviceEnds(sessionId: string): NoviceControl[] {
    return [...this.entries].flatMap(([id, e]) => (id !== sessionId && e.view.role === 'novice' ? [e.end as NoviceControl] : []));
  }

  views(): ControlView[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  readonly routes: ApiRoute[] = [
    { id: 'control-list', method: 'GET', path: '/api/control', handle: () => this.views() },
    { id: 'control-request', method: 'POST', path: '/api/control/:sessionId/request', handle: (r) => this.request(r.params.sessionId) },
    { id: 'control-answer', method: 'POST', path: '/api/control/:sessionId/answer', handle: (r) => this.answer(r.params.sessionId, r.body) },
    { id: 'control-stop', method: 'POST', path: '/api/control/:sessionId/stop', handle: (r) => this.stop(r.params.sessionId) },
    { id: 'control-extend', method: 'POST', path: '/api/control/:sessionId/extend', handle: (r) => this.extend(r.params.sessionId) },
  ];

  readonly socket: ApiSocket = {
    id: 'control-live',
    path: '/api/control/live',
    connect: (socket) => {
      this.sockets.add(socket);
      socket.onClose(() => void this.sockets.delete(socket));
      socket.send(JSON.stringify(this.views()));
    },
  };

  private request(sessionId: string): ControlView {
    const entry = this.entry(sessionId, 'helper', 'ask to share control');
    if (entry.end.status.unavailable) throw new ApiError(409, entry.end.status.unavailable);
    (entry.end as HelperControl).request();
    return this.view(entry);
  }

  private answer(sessionId: string, body: unknown): ControlView {
    const entry = this.entry(sessionId, 'novice', 'answer a control request');
    const yes = (body as { grant?: unknown } | null)?.grant;
    if (typeof yes !== 'boolean') throw new ApiError(400, "say yes or no: 'grant' must be true or false");
    const step = (entry.end as NoviceControl).answer(yes);
    if (step.refused) throw new ApiError(409, step.refused);
    return this.view(entry);
  }

  private extend(sessionId: string): ControlView {
    const entry = this.entry(sessionId, 'novice', 'extend control');
    const step = (entry.end as NoviceControl).extend();
    if (step.refused) throw new ApiError(409, step.refused);
    return this.view(entry);
  }

  /**
   * The novice's settings changed: a session whose control is no longer allowed ends it at once,
   * saying why, and every page hears whether Take Control is available now. Nothing restarts.
   */
  settingsChanged(): void {
    for (const { view, end } of this.entries.values()) {
      if (view.role === 'novice') (end as NoviceControl).recheck();
    }
    this.broadcast();
  }

  private stop(sessionId: string): ControlView {
    const entry = this.entries.get(sessionId);
    if (!entry) throw new ApiError(404, `no session '${sessionId}' with control`);
    if (entry.view.role === 'helper') (entry.end as HelperControl).stop();
    else {
      const step = (entry.end as NoviceControl).stop('novice-stop');
      if (step.refused) throw new ApiError(409, step.refused);
    }
    return this.view(entry);
  }

  private entry(sessionId: string, role: 'novice' | 'helper', what: string): Entry {
    const entry = this.entries.get(sessionId);
    if (!entry) throw new ApiError(404, `no session '${sessionId}' with control`);
    if (entry.view.role !== role) throw new ApiError(409, `only the ${role} can ${what}`);
    return entry;
  }

  private view(entry: Entry): ControlView {
    return { ...entry.view, ...entry.end.status };
  }

  private broadcast(): void {
    const text = JSON.stringify(this.views());
    for (const socket of this.sockets) socket.send(text);
  }
}
