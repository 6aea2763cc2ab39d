import type { Disposable, PageSocket, Workbench } from '@ra/kernel';
import { decodeLiveFrame, encodeLiveFrame } from '../common/live-frame.js';
import type { InvitationView, LiveEvent, SessionView } from '../common/views.js';
import { consentDialog, sessionConsole } from './console.js';
import { h } from './dom.js';
import { helpForm, homePage, inviteForm } from './home.js';
import { settingsPage } from './settings.js';

export type Page = 'home' | 'invite' | 'help' | 'settings';

type FrameListener = (payload: string | Uint8Array) => void;

/** Holds what the live socket reports and redraws the page from it. */
export class SessionApp {
  sessions: SessionView[] = [];
  invitations: InvitationView[] = [];
  private page: Page = 'home';
  /** A result to keep showing above the page until the person moves on. */
  private notice?: HTMLElement;
  private socket?: PageSocket;
  private readonly frameListeners = new Map<string, Set<FrameListener>>();
  private consoleFor?: string;
  private consoleView?: { element: HTMLElement; update(view: SessionView): void; dispose(): void };
  private readonly pageHost = h('div');
  private readonly dialogHost = h('div');
  private readonly consoleHost = h('div');

  constructor(readonly workbench: Workbench) {}

  start(): void {
    this.workbench.main.replaceChildren(this.consoleHost, this.pageHost, this.dialogHost);
    this.connect();
    this.show('home');
  }

  show(page: Page, notice?: HTMLElement): void {
    if (notice || page !== this.page) this.notice = notice;
    this.page = page;
    const view = page === 'invite' ? inviteForm(this) : page === 'help' ? helpForm(this) : page === 'settings' ? settingsPage(this) : homePage(this);
    this.pageHost.replaceChildren(...(this.notice ? [this.notice] : []), view);
  }

  /** Lets a panel hear one channel of one session. */
  listen(sessionId: string, channel: string, listener: FrameListener): Disposable {
    const key = `${sessionId}\n${channel}`;
    const set = this.frameListeners.get(key) ?? new Set();
    set.add(listener);
    this.frameListeners.set(key, set);
    return { dispose: () => void set.delete(listener) };
  }

  post(sessionId: string, channel: string, payload: string | Uint8Array): void {
    this.socket?.send(encodeLiveFrame({ sessionId, channel, payload }));
  }

  private connect(): void {
    const socket = this.workbench.connect('/api/sessions/live');
    this.socket = socket;
    socket.onMessage((data) => (typeof data === 'string' ? this.event(JSON.parse(data) as LiveEvent) : this.frame(data)));
    socket.onClose((reason) => {
      this.pageHost.prepend(
        h('p', { class: 'ra-error', role: 'alert' }, `Lost contact with RA on this computer (${reason || 'closed'}). Reload the page once RA runs again.`),
      );
    });
  }

  private frame(data: Uint8Array): void {
    const frame = decodeLiveFrame(data);
    if (!frame) return;
    for (const l of this.frameListeners.get(`${frame.sessionId}\n${frame.channel}`) ?? []) l(frame.payload);
  }

  private event(event: LiveEvent): void {
    if (event.type === 'invitations') {
      this.invitations = [...event.invitations];
      if (this.page === 'home') this.show('home');
      return;
    }
    this.sessions = [...event.sessions];
    this.renderSessions();
    if (this.page === 'home') this.show('home');
  }

  /** The newest live session gets the console; a novice's pending request gets the dialog. */
  private renderSessions(): void {
    const pending = this.sessions.find((s) => s.role === 'novice' && s.state === 'awaiting-consent');
    this.dialogHost.replaceChildren(...(pending ? [consentDialog(this, pending)] : []));
    const live = [...this.sessions].reverse().find((s) => s.state !== 'ended' && !(s.role === 'novice' && s.state !== 'open'));
    const shown = live ?? this.sessions.find((s) => s.id === this.consoleFor);
    if (shown?.id !== this.consoleFor) {
      this.consoleView?.dispose();
      this.consoleView = shown ? sessionConsole(this, shown) : undefined;
      this.consoleFor = shown?.id;
      this.consoleHost.replaceChildren(...(this.consoleView ? [this.consoleView.element] : []));
    } else if (shown) this.consoleView?.update(shown);
  }
}
