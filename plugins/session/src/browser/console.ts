import type { Disposable } from '@ra/kernel';
import type { UiContext } from '../common/api.js';
import type { SessionView } from '../common/views.js';
import type { SessionApp } from './app.js';
import { h } from './dom.js';

const STATE_TEXT: Record<SessionView['state'], string> = {
  connecting: 'Connecting…',
  verifying: 'Checking the password…',
  'awaiting-consent': 'Waiting for the answer…',
  open: 'Connected',
  ended: 'Ended',
};

/** "“NAME” wants to connect to your computer", the name quoted as their own words, with the safety code and Accept / Decline. */
export function consentDialog(app: SessionApp, view: SessionView): HTMLElement {
  const act = (what: 'accept' | 'decline') => () => void app.workbench.request('POST', `/api/sessions/${view.id}/${what}`).catch(() => undefined);
  return h(
    'div',
    { class: 'ra-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ra-consent-title' },
    h(
      'div',
      {},
      h('h2', { id: 'ra-consent-title' }, `“${view.peerName}” wants to connect to your computer`),
      h(
        'p',
        {},
        'They connect from ',
        h('strong', { id: 'ra-consent-address' }, view.peerAddress),
        '. The name is only what they typed: accept only if you expect them.',
      ),
      h('p', {}, 'If you accept, they will see your screen. They cannot use your mouse or keyboard.'),
      h(
        'p',
        {},
        'Safety code: ',
        h('span', { class: 'ra-code', id: 'ra-consent-code' }, view.safetyCode ?? ''),
        ' — check that your helper sees the same code.',
      ),
      h(
        'div',
        { class: 'ra-row' },
        h('button', { class: 'ra-btn', id: 'ra-accept', onclick: act('accept') }, 'Accept'),
        h('button', { class: 'ra-btn secondary', id: 'ra-decline', onclick: act('decline') }, 'Decline'),
      ),
    ),
  );
}

/** Who ended the session and why, in the words each side should read. */
export function endedText(view: SessionView): string {
  const reason = view.reason ? `: ${view.reason}` : '';
  if (view.endedBy === view.role) return `You ended the session${reason}.`;
  if (view.endedBy === 'network') return `The session ended${reason}.`;
  if (view.endedBy === 'refused') return `${view.role === 'helper' ? `${view.peerName}'s computer` : 'This computer'} refused the connection${reason}.`;
  return `${view.peerName} (the ${view.endedBy}) ended the session${reason}.`;
}

/** The bar with the session's state, safety code and Disconnect, and the panels of this side. */
export function sessionConsole(app: SessionApp, first: SessionView) {
  const state = h('span', { id: 'ra-session-state' });
  const code = h('span', { class: 'ra-code', id: 'ra-safety-code' });
  const disconnect = h(
    'button',
    {
      class: 'ra-btn danger',
      id: 'ra-disconnect',
      onclick: () => void app.workbench.request('POST', `/api/sessions/${first.id}/disconnect`).catch(() => undefined),
    },
    'Disconnect',
  );
  const who = first.role === 'helper' ? `${first.peerName}'s computer` : `${first.peerName} is connected to your computer`;
  const panels = h('div', { class: 'ra-panels' });
  const tools = h('div', { class: 'ra-toolbar', role: 'toolbar', 'aria-label': 'Session tools' });
  const ended = h('div');
  const element = h(
    'section',
    { class: 'ra-console', 'aria-label': 'Session' },
    h('div', { class: 'ra-console-bar' }, h('strong', {}, who), state, h('span', {}, 'Safety code ', code), tools, disconnect),
    ended,
    panels,
  );
  let rendered: Disposable[] | undefined;
  let open: SessionView | undefined;
  // A panel whose plugin loads or goes while the session is open appears or leaves at once.
  const panelsChanged = app.workbench.onDidChange('UiPanel', () => {
    if (!open) return;
    clear();
    rendered = renderPanels(app, open, panels, tools);
  });

  const update = (view: SessionView) => {
    state.textContent = STATE_TEXT[view.state];
    code.textContent = view.safetyCode ?? '—';
    disconnect.hidden = view.state === 'ended';
    if (view.state === 'open' && !rendered) rendered = renderPanels(app, (open = view), panels, tools);
    if (view.state === 'ended') {
      dispose();
      ended.replaceChildren(h('p', { class: 'ra-error', role: 'status', id: 'ra-ended' }, endedText(view)));
    }
  };
  const clear = () => {
    rendered?.forEach((d) => d.dispose());
    panels.replaceChildren();
  };
  const dispose = () => {
    clear();
    rendered = [];
    open = undefined;
    panelsChanged.dispose();
  };
  update(first);
  return { element, update, dispose };
}

function renderPanels(app: SessionApp, view: SessionView, host: HTMLElement, tools: HTMLElement): Disposable[] {
  const context: UiContext = {
    role: view.role,
    session: { id: view.id, invitationId: view.invitationId, role: view.role, peerName: view.peerName, localName: view.localName },
    post: (channel, payload) => app.post(view.id, channel, payload),
    onMessage: (channel, listener) => app.listen(view.id, channel, listener),
    toolbar: (element, order = 50) => {
      element.dataset.order = String(order);
      const after = [...tools.children].find((c) => Number((c as HTMLElement).dataset.order) > order);
      tools.insertBefore(element, after ?? null);
      return { dispose: () => element.remove() };
    },
  };
  const panels = app.workbench.contributions('UiPanel').filter((p) => p.roles.includes(view.role));
  return panels
    .sort((a, b) => (a.order ?? 50) - (b.order ?? 50))
    .map((panel) => {
      const box = h('div', { class: 'ra-panel', 'data-panel': panel.id });
      host.append(box);
      try {
        return panel.render(box, context);
      } catch (e) {
        box.replaceChildren(h('p', { class: 'ra-error' }, `The ${panel.title} panel failed: ${(e as Error).message}`));
        return { dispose: () => box.remove() };
      }
    });
}
