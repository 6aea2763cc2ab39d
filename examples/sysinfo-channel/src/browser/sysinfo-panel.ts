import type { Disposable, Workbench } from '@ra/kernel';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { parseMessage, type SystemInfo } from '../common/messages.js';

/** Beside the screen: the helper's Ask button and the answer; the novice's Yes / No when asked. */
export class SysinfoPanel implements UiPanel {
  readonly id = 'sysinfo';
  readonly title = 'System information';
  readonly roles = ['novice', 'helper'] as const;
  /** Docked beside the helper's screen, after the control state (-10) and before chat (20). */
  readonly order = 10;
  readonly dock = 'side';

  constructor(private readonly workbench: Workbench) {}

  render(host: HTMLElement, context: UiContext): Disposable {
    const workbench = this.workbench;
    const session = context.session!;
    const status = element('p', '', '');
    status.id = 'ra-sysinfo-status';
    status.setAttribute('aria-live', 'polite');
    const dialog = element('div', '', '');
    const box = element('section', 'ra-card', '');
    box.append(element('h2', '', 'System information'));
    if (context.role === 'helper') {
      const ask = element('button', 'ra-btn secondary', 'Ask for system information');
      ask.id = 'ra-sysinfo-ask';
      ask.addEventListener('click', () => {
        context.post('sysinfo', JSON.stringify({ t: 'ask' }));
        status.textContent = `Waiting for ${session.peerName} to answer…`;
      });
      box.append(ask);
    } else status.textContent = `${session.peerName} may ask to see this computer's system information; you decide each time.`;
    box.append(status, dialog);
    host.append(box);
    const listening = context.onMessage('sysinfo', (payload) => {
      const message = parseMessage(payload);
      if (message?.t === 'info') status.replaceChildren(facts(message.info));
      if (message?.t === 'declined') status.textContent = `${message.reason}: no system information was shared.`;
      if (message?.t === 'ask' && context.role === 'novice') dialog.replaceChildren(question(session.peerName, (yes) => answer(yes)));
    });
    const answer = (yes: boolean) => {
      dialog.replaceChildren();
      workbench.request('POST', `/api/sysinfo/${encodeURIComponent(session.id)}/answer`, { yes }).then(
        () => (status.textContent = yes ? `You shared this computer's system information with ${session.peerName}.` : `You said no to ${session.peerName}.`),
        (e: Error) => (status.textContent = e.message),
      );
    };
    return { dispose: () => (listening.dispose(), host.replaceChildren()) };
  }
}

function question(peer: string, answer: (yes: boolean) => void): HTMLElement {
  const box = element('div', 'ra-dialog', '');
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  const inner = element('div', '', '');
  const text = element(
    'p',
    '',
    `${peer} would like to see this computer's system information: its system, memory and how long it has been running. Nothing else is shared.`,
  );
  const yes = element('button', 'ra-btn', 'Yes, share it');
  const no = element('button', 'ra-btn secondary', 'No');
  yes.id = 'ra-sysinfo-yes';
  no.id = 'ra-sysinfo-no';
  yes.addEventListener('click', () => answer(true));
  no.addEventListener('click', () => answer(false));
  const row = element('div', 'ra-row', '');
  row.append(yes, no);
  inner.append(element('h2', '', 'Share system information?'), text, row);
  box.append(inner);
  return box;
}

function facts(info: SystemInfo): HTMLElement {
  const table = element('table', 'ra-table', '');
  const rows: [string, string][] = [
    ['System', info.system],
    ['Architecture', info.architecture],
    ['Processors', String(info.processors)],
    ['Memory', `${info.memoryMiB} MiB, ${info.freeMemoryMiB} MiB free`],
    ['Running for', `${info.uptimeHours} hours`],
  ];
  for (const [name, value] of rows) {
    const tr = table.insertRow();
    tr.append(element('th', '', name), element('td', '', value));
  }
  table.id = 'ra-sysinfo-facts';
  return table;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}
