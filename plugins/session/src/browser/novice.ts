import type { Disposable } from '@ra/kernel';
import { pathText, type SessionView } from '../common/views.js';
import type { SessionApp } from './app.js';
import { h } from './dom.js';
import { sessionPanels, Toolbar } from './panels.js';
import { abilities, endedText, rightLabel } from './words.js';

/**
 * The novice's session bar, pinned above the page: every helper connected now with what each may do, a Disconnect
 * for each and Stop Control for whoever controls; then sessions that ended, until dismissed.
 */
export class NoviceBar {
  readonly element = h('section', { class: 'ra-session-bar', 'aria-label': 'Who is connected to your computer', hidden: true });
  private readonly title = h('h2', { class: 'ra-bar-title', id: 'ra-bar-title' });
  private readonly people = h('ul', { class: 'ra-people' });
  private readonly ended = h('div', { class: 'ra-ended-list' });
  private readonly rows = new Map<string, { element: HTMLElement; update(view: SessionView): void }>();

  constructor(private readonly app: SessionApp) {
    this.element.append(this.title, this.people, this.ended);
  }

  update(open: readonly SessionView[], ended: readonly SessionView[]): void {
    this.element.hidden = open.length === 0 && ended.length === 0;
    const control = open.some((s) => s.rights.includes('control'));
    this.element.dataset.control = String(control);
    this.title.textContent =
      open.length === 0
        ? 'No one can see your screen now.'
        : control
          ? 'Someone is controlling your computer'
          : `${open.length === 1 ? 'Someone is' : `${open.length} people are`} watching your screen`;
    for (const [id, row] of this.rows) {
      if (open.some((s) => s.id === id)) continue;
      row.element.remove();
      this.rows.delete(id);
    }
    for (const view of open) {
      let row = this.rows.get(view.id);
      if (!row) this.rows.set(view.id, (row = this.person(view)));
      row.update(view);
      this.people.append(row.element);
    }
    this.ended.replaceChildren(...ended.map((s) => this.endedNote(s)));
  }

  private person(first: SessionView) {
    const id = first.id;
    const act = (path: string) => () =>
      void this.app.workbench.request('POST', `/api/sessions/${id}/${path}`).catch((e: Error) => (note.textContent = e.message));
    const name = first.peerName;
    const rights = h('ul', { class: 'ra-rights', 'aria-label': `What ${name} may do` });
    const code = h('span', { class: 'ra-person-code' });
    const path = h('span', { class: 'ra-person-path' });
    const note = h('span', { class: 'ra-person-note', role: 'status' });
    const stop = h('button', { class: 'ra-btn warn ra-person-stop', 'aria-label': `Stop Control for ${name}`, onclick: act('revoke/control') }, 'Stop Control');
    const disconnect = h(
      'button',
      { class: 'ra-btn danger ra-person-disconnect', 'aria-label': `Disconnect ${name}`, onclick: act('disconnect') },
      'Disconnect',
    );
    const element = h(
      'li',
      { class: 'ra-person', 'data-session': id },
      h('strong', { class: 'ra-person-name' }, name),
      rights,
      code,
      path,
      note,
      h('span', { class: 'ra-person-actions' }, stop, disconnect),
    );
    const update = (view: SessionView) => {
      element.dataset.rights = view.rights.join(' ');
      element.title = `${name} ${abilities(view.rights)}`;
      rights.replaceChildren(...view.rights.map((r) => h('li', { class: 'ra-right', 'data-right': r }, rightLabel(r))));
      code.textContent = view.safetyCode ? `Code ${view.safetyCode}` : '';
      path.textContent = view.path ? pathText(view.path) : '';
      path.dataset.path = view.path?.kind ?? '';
      stop.hidden = !view.rights.includes('control');
      // Still connected as far as the novice is concerned: the same helper, coming back, never in control meanwhile.
      element.dataset.reconnecting = view.reconnecting ? 'true' : '';
      note.textContent = view.reconnecting
        ? `Reconnecting… the connection to ${name}'s computer was lost (${view.reconnecting.reason}); it comes back by itself, and control, if shared, has ended.`
        : '';
    };
    return { element, update };
  }

  private endedNote(view: SessionView): HTMLElement {
    return h(
      'p',
      { class: 'ra-ended', role: 'status', 'data-session': view.id },
      h('span', {}, endedText(view)),
      h('button', { class: 'ra-btn secondary ra-dismiss', 'aria-label': `Dismiss: ${endedText(view)}`, onclick: () => this.app.dismiss(view.id) }, 'Dismiss'),
    );
  }
}

/** Each connected helper's panels (the control state, chat), stacked under the helper's name, all live at once. */
export class NoviceSessions {
  readonly element = h('div', { class: 'ra-with-list' });
  private readonly shown = new Map<string, { element: HTMLElement; panels: Disposable }>();

  constructor(private readonly app: SessionApp) {}

  update(open: readonly SessionView[]): void {
    for (const [id, s] of this.shown) {
      if (open.some((v) => v.id === id)) continue;
      s.panels.dispose();
      s.element.remove();
      this.shown.delete(id);
    }
    for (const view of open) {
      if (this.shown.has(view.id)) continue;
      const toolbar = new Toolbar();
      const column = h('div', { class: 'ra-with-panels' });
      const element = h(
        'section',
        { class: 'ra-with', 'data-session': view.id, 'aria-label': `With ${view.peerName}` },
        h('header', { class: 'ra-with-head' }, h('h2', {}, `With ${view.peerName}`), toolbar.element),
        column,
      );
      this.element.append(element);
      this.shown.set(view.id, { element, panels: sessionPanels(this.app, view, { main: column, side: column, toolbar }) });
    }
  }
}
