import type { Disposable, Role, Workbench } from '@ra/kernel';
import type { HomePanel } from '@ra/plugin-session/api';
import { h } from '@ra/plugin-session/dom';
import type { AuditLine } from '../common/line.js';
import { lineText } from './words.js';

/** The log's last lines the home page reads: enough for the last few sessions, never the whole log. */
const LAST_LINES = 600;
const SESSIONS_SHOWN = 10;

/**
 * "Your recent sessions" on the home page: after a session ended, what happened in it, from this computer's log.
 * Read when opened, and again each time it is opened.
 */
export function recentSessionsPanel(workbench: Workbench): HomePanel {
  return {
    id: 'recent-sessions',
    title: 'Recent sessions',
    order: 30,
    render(host: HTMLElement): Disposable {
      const list = h('div', { class: 'ra-recent-list', id: 'ra-recent-list' });
      const details = h('details', { class: 'ra-recent', id: 'ra-recent' }, h('summary', {}, 'Your recent sessions, from this computer’s log'), list);
      details.addEventListener('toggle', () => {
        if (!details.open) return;
        workbench.request<AuditLine[]>('GET', `/api/audit?last=${LAST_LINES}`).then(
          (lines) => list.replaceChildren(...sessions(lines)),
          (e: Error) => list.replaceChildren(h('p', { class: 'ra-error', role: 'alert' }, `The session log cannot be read: ${e.message}`)),
        );
      });
      host.replaceChildren(h('section', { class: 'ra-card' }, details));
      return { dispose: () => host.replaceChildren() };
    },
  };
}

/** The newest sessions first, each a summary that opens to its lines. */
function sessions(lines: readonly AuditLine[]): HTMLElement[] {
  const bySession = new Map<string, AuditLine[]>();
  for (const line of lines) if (line.session) bySession.set(line.session, [...(bySession.get(line.session) ?? []), line]);
  const newest = [...bySession.values()].reverse().slice(0, SESSIONS_SHOWN);
  if (!newest.length) return [h('p', {}, 'No session yet.')];
  return newest.map((session) => {
    const first = session[0]!;
    // The log names the other side; this side is the other role.
    const me: Role = first.peer?.role === 'novice' ? 'helper' : 'novice';
    const closed = session.find((l) => l.event === 'session.closed');
    const when = new Date(first.ts).toLocaleString();
    const summary = `With ${first.peer?.name ?? 'someone'}, ${when}${closed ? '' : ' (not ended in the log)'}`;
    return h(
      'details',
      { class: 'ra-recent-session' },
      h('summary', {}, summary),
      h(
        'ol',
        { class: 'ra-history-list' },
        ...session.map((l) => h('li', {}, h('time', { datetime: l.ts }, new Date(l.ts).toLocaleTimeString()), ' ', lineText(l, me))),
      ),
    );
  });
}
