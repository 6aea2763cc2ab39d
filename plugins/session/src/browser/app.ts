import type { Disposable, Workbench } from '@ra/kernel';
import { decodeLiveFrame, encodeLiveFrame } from '../common/live-frame.js';
import type { InvitationView, LiveEvent, SessionView } from '../common/views.js';
import { consentDialog } from './consent.js';
import { HelperConsole } from './console.js';
import { h } from './dom.js';
import { helpForm, homePage, inviteForm } from './home.js';
import { HomePanels } from './home-panels.js';
import { settingsPage } from './settings.js';
import { LiveLink } from './live.js';
import { NoviceBar, NoviceSessions } from './novice.js';

export type Page = 'home' | 'invite' | 'help' | 'settings';

type FrameListener = (payload: string | Uint8Array) => void;

/** The address's field naming an invitation to open, as `ra show` writes it. */
const OPEN_FIELD = 'open';
/** Ended sessions the person dismissed, kept for the tab so a reload does not bring them back. */
const DISMISSED_KEY = 'ra.session.dismissed';

/**
 * Holds what the live socket reports and redraws the page from it: the novice's pinned bar and each helper's panels,
 * the helper's console with a tab per session, and the page (home, the forms) in the scrolling area below.
 */
export class SessionApp {
  sessions: SessionView[] = [];
  invitations: InvitationView[] = [];
  private page: Page = 'home';
  /** A result to keep showing above the page until the person moves on. */
  private notice?: HTMLElement;
  private live?: LiveLink;
  private readonly frameListeners = new Map<string, Set<FrameListener>>();
  private readonly pageView = h('div', { class: 'ra-page-view' });
  private homePanels?: HomePanels;
  private readonly pageHost = h('div', { class: 'ra-page' }, this.pageView);
  private readonly dialogHost = h('div');
  private dialogKey = '';
  private readonly lost = h('p', { class: 'ra-lost', role: 'alert', id: 'ra-lost', hidden: true });
  private readonly bar = new NoviceBar(this);
  private readonly withs = new NoviceSessions(this);
  private readonly console = new HelperConsole(this);
  private readonly scroll = h('div', { class: 'ra-scroll' }, this.withs.element, this.pageHost);
  /** The helper's session on show; undefined is Home. */
  private selected?: string;
  private readonly known = new Set<string>();
  private readonly dismissed = new Set<string>(readDismissed());

  constructor(readonly workbench: Workbench) {}

  start(): void {
    const app = h('div', { class: 'ra-app' }, this.lost, this.bar.element, this.console.tabs, this.console.area, this.scroll);
    this.workbench.main.replaceChildren(app, this.dialogHost);
    this.homePanels = new HomePanels(this.workbench);
    this.pageHost.append(this.homePanels.element);
    this.live = new LiveLink(this.workbench, '/api/sessions/live', {
      message: (data) => (typeof data === 'string' ? this.event(JSON.parse(data) as LiveEvent) : this.frame(data)),
      lost: (reason, restarted) => {
        this.lost.hidden = false;
        this.lost.title = reason;
        this.lost.textContent = restarted
          ? 'RA was restarted on this computer. Open it again from the address it printed after “Open RA:”.'
          : 'Lost contact with RA on this computer. Trying again…';
      },
      back: () => (this.lost.hidden = true),
    });
    const given = openedWith();
    this.show(given ? 'help' : 'home', undefined, given);
  }

  /** `given`: an invitation the Help page opens at once (`ra show FILE`, a double-clicked invitation). */
  show(page: Page, notice?: HTMLElement, given?: string): void {
    if (notice || page !== this.page) this.notice = notice;
    this.page = page;
    const view = page === 'invite' ? inviteForm(this) : page === 'help' ? helpForm(this, given) : page === 'settings' ? settingsPage(this) : homePage(this);
    this.pageView.replaceChildren(...(this.notice ? [this.notice] : []), view);
    this.homePanels?.show(page === 'home');
  }

  /** Shows one of the helper's sessions in the console, or Home (undefined). */
  select(sessionId: string | undefined): void {
    this.selected = sessionId;
    this.render();
  }

  /** Takes an ended session off the bar or the console's tabs. */
  dismiss(sessionId: string): void {
    this.dismissed.add(sessionId);
    writeDismissed(this.dismissed);
    if (this.selected === sessionId) this.selected = this.newestLiveHelperSession();
    this.render();
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
    this.live?.send(encodeLiveFrame({ sessionId, channel, payload }));
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
    // A session the helper just opened comes to the front; one that went away (dismissed, or forgotten by RA) leaves it.
    const fresh = this.sessions.filter((s) => s.role === 'helper' && !this.known.has(s.id) && !this.dismissed.has(s.id));
    for (const s of this.sessions) this.known.add(s.id);
    if (fresh.length) this.selected = fresh.at(-1)!.id;
    if (!this.helperSessions().some((s) => s.id === this.selected)) this.selected = this.newestLiveHelperSession();
    const listed = new Set(this.sessions.map((s) => s.id));
    for (const id of this.dismissed) if (!listed.has(id)) this.dismissed.delete(id);
    writeDismissed(this.dismissed);
    this.render();
    if (this.page === 'home') this.show('home');
  }

  private render(): void {
    const novice = this.sessions.filter((s) => s.role === 'novice');
    const open = novice.filter((s) => s.state === 'open');
    const ended = novice.filter((s) => s.state === 'ended' && s.openedAt && !this.dismissed.has(s.id)).slice(-3);
    this.bar.update(open, ended);
    this.withs.update(open);
    this.renderDialog(
      novice.find((s) => s.state === 'awaiting-consent'),
      open,
    );
    this.console.update(this.helperSessions(), this.selected);
    // The page stays mounted behind the console, so a panel's dialog for the novice (control, sysinfo) still shows.
    this.scroll.classList.toggle('ra-behind', this.selected !== undefined);
  }

  /** The novice's pending request gets the dialog, which names everyone already connected. */
  private renderDialog(pending: SessionView | undefined, open: readonly SessionView[]): void {
    const key = pending ? [pending.id, pending.safetyCode, ...open.map((s) => `${s.id}:${s.rights.join()}`)].join('|') : '';
    if (key === this.dialogKey) return;
    this.dialogKey = key;
    this.dialogHost.replaceChildren(...(pending ? [consentDialog(this, pending, open)] : []));
  }

  private helperSessions(): SessionView[] {
    return this.sessions.filter((s) => s.role === 'helper' && !this.dismissed.has(s.id));
  }

  private newestLiveHelperSession(): string | undefined {
    return this.helperSessions()
      .filter((s) => s.state !== 'ended')
      .at(-1)?.id;
  }
}

function readDismissed(): string[] {
  try {
    const list: unknown = JSON.parse(sessionStorage.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function writeDismissed(ids: Set<string>): void {
  sessionStorage.setItem(DISMISSED_KEY, JSON.stringify([...ids]));
}

/** The invitation the address names (`#open=…`, from `ra show`), taken out of the address so a reload does not open it again. */
function openedWith(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get(OPEN_FIELD);
  if (given === null) return undefined;
  fragment.delete(OPEN_FIELD);
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return given.trim() || undefined;
}
