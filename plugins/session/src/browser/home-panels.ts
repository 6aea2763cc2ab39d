import type { Disposable, Workbench } from '@ra/kernel';
import type { HomePanel } from '../common/panel.js';
import { h } from './dom.js';

/**
 * The home page's column of plugin panels (the Messenger). Each panel renders once and stays mounted while the page
 * redraws around it, so typing in it survives the live updates; only a plugin that loads or goes redraws the column.
 */
export class HomePanels {
  readonly element = h('aside', { class: 'ra-home-panels', hidden: true });
  private rendered: Disposable[] = [];
  private visible = false;

  constructor(private readonly workbench: Workbench) {
    workbench.onDidChange('HomePanel', () => this.render());
    this.render();
  }

  /** Shown on the home page only. */
  show(visible: boolean): void {
    this.visible = visible;
    this.element.hidden = !visible || this.rendered.length === 0;
  }

  private render(): void {
    for (const d of this.rendered) close(d);
    const panels = [...this.workbench.contributions('HomePanel')].sort((a, b) => (a.order ?? 50) - (b.order ?? 50));
    this.element.replaceChildren();
    this.rendered = panels.map((panel) => this.renderOne(panel));
    this.show(this.visible);
  }

  private renderOne(panel: HomePanel): Disposable {
    const box = h('section', { class: 'ra-home-panel', 'data-panel': panel.id, 'aria-label': panel.title });
    this.element.append(box);
    try {
      return panel.render(box);
    } catch (e) {
      box.replaceChildren(h('p', { class: 'ra-error' }, `The ${panel.title} panel failed: ${(e as Error).message}`));
      return { dispose: () => undefined };
    }
  }
}

function close(d: Disposable): void {
  try {
    d.dispose();
  } catch (e) {
    console.error('a home panel failed to close', e);
  }
}

/** The page's main column and the panels' column side by side; one column under each other when narrow. */
export const HOME_PANELS_CSS = `
.ra-page:has(> .ra-home-panels:not([hidden])) { max-width: 94rem; display: grid; grid-template-columns: minmax(0, 1fr) minmax(17rem, 21rem); gap: 1.5rem; align-items: start; }
@media (max-width: 60rem) { .ra-page:has(> .ra-home-panels:not([hidden])) { grid-template-columns: minmax(0, 1fr); } }
.ra-home-panels { display: grid; gap: 1rem; min-width: 0; }
/* The main column keeps to its track: a wide table scrolls in its card rather than run under the panels. */
.ra-page-view, .ra-page-view > *, .ra-home > * { min-width: 0; }
.ra-table-scroll { overflow-x: auto; }
/* A long choice in a panel's form wraps its column no wider than the column. */
.ra-home-panel select, .ra-home-panel input { max-width: 100%; min-width: 0; box-sizing: border-box; }
`;
