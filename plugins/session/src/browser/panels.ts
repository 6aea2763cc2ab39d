import type { Disposable } from '@ra/kernel';
import type { UiContext, UiPanel } from '../common/api.js';
import type { SessionView } from '../common/views.js';
import type { SessionApp } from './app.js';
import { h } from './dom.js';

/** The controls panels put in a session's toolbar, kept sorted by order; equal orders keep the order they came in. */
export class Toolbar {
  readonly element = h('div', { class: 'ra-tools', role: 'group', 'aria-label': 'Session tools' });

  add(control: HTMLElement, order = 50): Disposable {
    const item = h('div', { class: 'ra-tool', 'data-order': String(order) }, control);
    const after = [...this.element.children].find((c) => Number((c as HTMLElement).dataset.order) > order);
    this.element.insertBefore(item, after ?? null);
    return { dispose: () => item.remove() };
  }
}

/** Where a session's panels go: the helper's two docks, or one column for the novice. */
export interface PanelPlaces {
  readonly main: HTMLElement;
  readonly side: HTMLElement;
  readonly toolbar: Toolbar;
}

/**
 * Renders every panel of this side for one open session, and again whenever a panel's plugin loads or goes.
 * Disposing takes out the panels and whatever each put in the toolbar.
 */
export function sessionPanels(app: SessionApp, view: SessionView, places: PanelPlaces): Disposable {
  const render = () =>
    app.workbench
      .contributions('UiPanel')
      .filter((p) => p.roles.includes(view.role))
      .sort((a, b) => (a.order ?? 50) - (b.order ?? 50))
      .map((panel) => renderPanel(app, view, panel, places));
  let rendered = render();
  const clear = () => {
    for (const d of rendered) {
      try {
        d.dispose();
      } catch (e) {
        console.error('a panel failed to close', e);
      }
    }
  };
  const watch = app.workbench.onDidChange('UiPanel', () => {
    clear();
    rendered = render();
  });
  return {
    dispose: () => {
      watch.dispose();
      clear();
    },
  };
}

function renderPanel(app: SessionApp, view: SessionView, panel: UiPanel, places: PanelPlaces): Disposable {
  const dock = panel.dock === 'main' ? 'main' : 'side';
  // The novice's console has one column for both: its panels are marked `stack`, so a panel can style itself for either.
  const box = h('div', { class: 'ra-panel', 'data-panel': panel.id, 'data-dock': places.main === places.side ? 'stack' : dock });
  places[dock].append(box);
  const tools = new Set<Disposable>();
  const context: UiContext = {
    role: view.role,
    session: { id: view.id, invitationId: view.invitationId, role: view.role, peerName: view.peerName, localName: view.localName },
    post: (channel, payload) => app.post(view.id, channel, payload),
    onMessage: (channel, listener) => app.listen(view.id, channel, listener),
    toolbar: (element, order) => {
      const added = places.toolbar.add(element, order);
      tools.add(added);
      return { dispose: () => (tools.delete(added), added.dispose()) };
    },
  };
  let rendered: Disposable | undefined;
  try {
    rendered = panel.render(box, context);
  } catch (e) {
    box.replaceChildren(h('p', { class: 'ra-error' }, `The ${panel.title} panel failed: ${(e as Error).message}`));
  }
  return {
    dispose: () => {
      try {
        rendered?.dispose();
      } finally {
        for (const t of tools) t.dispose();
        box.remove();
      }
    },
  };
}
