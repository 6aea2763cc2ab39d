import type { BrowserPlugin, Disposable, Workbench } from '@ra/kernel';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { adoptStyles, h } from '@ra/plugin-session/dom';
import type { AuditLine } from '../common/line.js';
import { recentSessionsPanel } from './recent.js';
import { lineText } from './words.js';

/** How often an open History looks for new lines; closed, it asks nothing. */
const REFRESH_MS = 2_000;

/**
 * "History" in both consoles: this session's lines of this computer's own log, oldest first, read when opened and
 * every two seconds while it stays open. What the log keeps is what the page shows; nothing else is asked.
 */
function historyPanel(workbench: Workbench): UiPanel {
  return {
    id: 'history',
    title: 'History',
    roles: ['novice', 'helper'],
    order: 90,
    render(host: HTMLElement, context: UiContext): Disposable {
      const list = h('ol', { class: 'ra-history-list', id: 'ra-history-list' });
      const problem = h('p', { class: 'ra-error', role: 'alert', hidden: true });
      const details = h('details', { class: 'ra-history', id: 'ra-history' }, h('summary', {}, 'History of this session'), problem, list);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let disposed = false;
      const load = () => {
        clearTimeout(timer);
        if (!details.open || !context.session || disposed) return;
        workbench
          .request<AuditLine[]>('GET', `/api/audit?session=${encodeURIComponent(context.session.id)}`)
          .then(
            (lines) => {
              problem.hidden = true;
              list.replaceChildren(
                ...lines.map((l) => h('li', {}, h('time', { datetime: l.ts }, new Date(l.ts).toLocaleTimeString()), ' ', lineText(l, context.role))),
              );
            },
            (e: Error) => {
              problem.hidden = false;
              problem.textContent = `The session log cannot be read: ${e.message}`;
            },
          )
          // The next look once this answer is in: a slow log never has two reads at once.
          .finally(() => {
            if (details.open && !disposed) timer = setTimeout(load, REFRESH_MS);
          });
      };
      details.addEventListener('toggle', load);
      host.replaceChildren(details);
      return {
        dispose: () => {
          disposed = true;
          clearTimeout(timer);
          host.replaceChildren();
        },
      };
    },
  };
}

const HISTORY_CSS = `
.ra-history { padding: .75rem 1.25rem; background: var(--ra-surface); border: 1px solid var(--ra-border); border-radius: var(--ra-radius); }
.ra-history summary { cursor: pointer; font-weight: 600; }
.ra-history-list { margin: .5rem 0 0; padding-left: 1.25rem; max-height: 16rem; overflow-y: auto; display: grid; gap: .3rem; }
.ra-recent > summary { cursor: pointer; font-weight: 600; }
.ra-recent-list { display: grid; gap: .4rem; margin-top: .5rem; }
.ra-recent-session summary { font-weight: normal; }
.ra-history-list time { color: var(--ra-muted); font-variant-numeric: tabular-nums; }
`;

/** `ra.audit` in the browser: each session's history in its console, and the recent sessions' on the home page, from this computer's log. */
const plugin: BrowserPlugin = {
  activate(workbench) {
    adoptStyles(HISTORY_CSS);
    workbench.contribute('UiPanel', historyPanel(workbench));
    workbench.contribute('HomePanel', recentSessionsPanel(workbench));
  },
};

export default plugin;
