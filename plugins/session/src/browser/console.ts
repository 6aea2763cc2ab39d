import type { Disposable } from '@ra/kernel';
import { OFFER_SESSION, pathText, type SessionView } from '../common/views.js';
import type { SessionApp } from './app.js';
import { h } from './dom.js';
import { sessionPanels, Toolbar } from './panels.js';
import { endedText, stateText } from './words.js';

/**
 * The helper's console, one screen like XP's Expert console: a tab per session (and Home), then for the chosen
 * session a toolbar, the remote screen filling the rest and chat docked beside it.
 */
export class HelperConsole {
  readonly tabs = h('div', { class: 'ra-tabs', role: 'tablist', 'aria-label': 'Your sessions', hidden: true });
  readonly area = h('div', { class: 'ra-desk-host', hidden: true });
  private current?: Desk;

  constructor(private readonly app: SessionApp) {}

  /** `selected` is a session of `sessions`, or undefined for Home. */
  update(sessions: readonly SessionView[], selected: string | undefined): void {
    this.tabs.hidden = sessions.length === 0;
    // Two sessions with one person (or two people of one name) are told apart by number.
    const seen = new Map<string, number>();
    const label = (s: SessionView) => {
      const n = (seen.get(s.peerName) ?? 0) + 1;
      seen.set(s.peerName, n);
      return n > 1 ? `${s.peerName} (${n})` : s.peerName;
    };
    this.tabs.replaceChildren(
      tab({ label: 'Home', selected: selected === undefined, onclick: () => this.app.select(undefined) }),
      ...sessions.map((s) =>
        tab({
          label: label(s),
          state: s.state,
          reconnecting: s.reconnecting !== undefined,
          text: stateText(s),
          session: s.id,
          selected: s.id === selected,
          onclick: () => this.app.select(s.id),
          dismiss: s.state === 'ended' ? () => this.app.dismiss(s.id) : undefined,
        }),
      ),
    );
    const view = sessions.find((s) => s.id === selected);
    if (this.current && this.current.id !== view?.id) {
      this.current.dispose();
      this.current = undefined;
    }
    if (view && !this.current) {
      this.current = new Desk(this.app, view);
      this.area.replaceChildren(this.current.element);
    }
    this.area.hidden = !view;
    if (view) this.current?.update(view);
  }
}

function tab(t: {
  label: string;
  state?: SessionView['state'];
  reconnecting?: boolean;
  text?: string;
  session?: string;
  selected: boolean;
  onclick(): void;
  dismiss?: () => void;
}): HTMLElement {
  const button = h(
    'button',
    { class: 'ra-tab-button', role: 'tab', 'aria-selected': String(t.selected), onclick: t.onclick },
    h('span', { class: 'ra-tab-name' }, t.label),
    t.text && h('span', { class: 'ra-tab-state' }, t.text),
  );
  return h(
    'div',
    { class: 'ra-tab', 'data-session': t.session, 'data-state': t.reconnecting ? 'reconnecting' : t.state },
    button,
    t.dismiss && h('button', { class: 'ra-tab-close', 'aria-label': `Dismiss the ended session with ${t.label}`, title: 'Dismiss', onclick: t.dismiss }, '×'),
  );
}

/** One session's toolbar and work area. */
class Desk implements Disposable {
  readonly id: string;
  readonly element: HTMLElement;
  private readonly state = h('span', { id: 'ra-session-state' });
  private readonly code = h('span', { class: 'ra-code', id: 'ra-safety-code' });
  private readonly codeBox = h('span', { class: 'ra-status-code' }, 'Safety code ', this.code);
  private readonly path = h('span', { class: 'ra-status-path', id: 'ra-session-path' });
  private readonly disconnect: HTMLButtonElement;
  private readonly toolbar = new Toolbar();
  private readonly main = h('div', { class: 'ra-dock-main' });
  private readonly side = h('aside', { class: 'ra-dock-side' });
  private readonly card = h('div', { class: 'ra-desk-card' });
  /** While the path is down: what happened, in a line the helper reads above the (frozen) screen. */
  private readonly outage = h('p', { class: 'ra-outage', role: 'status', id: 'ra-outage', hidden: true });
  private panels?: Disposable;

  constructor(
    private readonly app: SessionApp,
    first: SessionView,
  ) {
    this.id = first.id;
    this.disconnect = h(
      'button',
      {
        class: 'ra-btn danger',
        id: 'ra-disconnect',
        onclick: () => void app.workbench.request('POST', `/api/sessions/${this.id}/disconnect`).catch((e: Error) => this.say(e.message)),
      },
      'Disconnect',
    );
    this.side.setAttribute('aria-label', `Beside ${first.peerName}'s screen`);
    this.element = h(
      'section',
      { class: 'ra-desk', 'aria-label': `Session with ${first.peerName}`, 'data-session': first.id },
      h(
        'div',
        { class: 'ra-toolbar', role: 'toolbar', 'aria-label': `Session with ${first.peerName}` },
        this.toolbar.element,
        h('span', { class: 'ra-status' }, this.state, this.codeBox, this.path, this.disconnect),
      ),
      this.outage,
      h('div', { class: 'ra-work' }, this.main, this.side, this.card),
    );
  }

  update(view: SessionView): void {
    this.element.dataset.state = view.state;
    this.state.textContent = stateText(view);
    this.outage.hidden = !view.reconnecting;
    this.outage.textContent = view.reconnecting
      ? `The connection to ${view.peerName}'s computer was lost (${view.reconnecting.reason}). Reconnecting… the session goes on where it was.` +
        (view.reconnecting.attempt ? ` Last attempt: ${view.reconnecting.attempt}.` : '')
      : '';
    this.code.textContent = view.safetyCode ?? '—';
    this.codeBox.hidden = view.state === 'ended';
    this.path.textContent = view.path ? pathText(view.path) : '';
    this.path.dataset.path = view.path?.kind ?? '';
    this.path.hidden = view.state === 'ended' || !view.path;
    this.disconnect.hidden = view.state === 'ended';
    if (view.state === 'open' && !this.panels) {
      this.card.replaceChildren();
      this.panels = sessionPanels(this.app, view, { main: this.main, side: this.side, toolbar: this.toolbar });
    } else if (view.state === 'ended') {
      this.dispose();
      this.card.replaceChildren(this.endedCard(view));
    } else if (view.state !== 'open') this.card.replaceChildren(waitingCard(view));
  }

  dispose(): void {
    this.panels?.dispose();
    this.panels = undefined;
  }

  private say(text: string): void {
    this.card.replaceChildren(h('p', { class: 'ra-error', role: 'alert' }, text));
  }

  private endedCard(view: SessionView): HTMLElement {
    return h(
      'div',
      { class: 'ra-card ra-desk-message' },
      h('h2', {}, view.openedAt ? `The session with ${view.peerName} has ended` : `The session with ${view.peerName} did not open`),
      h('p', { class: 'ra-error', role: 'status', id: 'ra-ended' }, endedText(view)),
      h(
        'div',
        { class: 'ra-row' },
        h('button', { class: 'ra-btn', id: 'ra-dismiss', onclick: () => this.app.dismiss(view.id) }, 'Dismiss'),
        h(
          'button',
          {
            class: 'ra-btn secondary',
            onclick: () => (this.app.dismiss(view.id), this.app.select(undefined), this.app.show(view.invitationId === OFFER_SESSION ? 'home' : 'help')),
          },
          'Connect again',
        ),
      ),
    );
  }
}

/** Before the novice's Accept: what is happening, and the code to compare by phone. */
function waitingCard(view: SessionView): HTMLElement {
  const what =
    view.state === 'awaiting-consent'
      ? `Waiting for ${view.peerName} to accept…`
      : view.state === 'verifying'
        ? stateText(view)
        : `Connecting to ${view.peerName}'s computer…`;
  return h(
    'div',
    { class: 'ra-card ra-desk-message', role: 'status' },
    h('h2', {}, what),
    view.safetyCode &&
      h('p', {}, `Read this safety code to ${view.peerName} by phone; they see the same one: `, h('span', { class: 'ra-code' }, view.safetyCode)),
  );
}
