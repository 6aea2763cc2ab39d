import type { TargetField } from '../common/api.js';
import { MAX_PASSWORD_ATTEMPTS, type InvitationView } from '../common/views.js';
import type { SessionApp } from './app.js';
import { field, h, when } from './dom.js';

/** `GET /api/transports`: each enabled transport and its field in the invite form. */
interface TransportView {
  readonly id: string;
  readonly title: string;
  readonly target: TargetField;
}

const LIFETIMES: [string, string][] = [
  ['30m', '30 minutes'],
  ['1h', '1 hour'],
  ['2h', '2 hours'],
  ['6h', '6 hours'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
];

/** The start page, as in Windows: ask for help, or give it. Then this computer's invitations. */
export function homePage(app: SessionApp): HTMLElement {
  return h(
    'div',
    { class: 'ra-home' },
    h(
      'div',
      { class: 'ra-choices' },
      h(
        'button',
        { class: 'ra-choice', id: 'ra-invite', onclick: () => app.show('invite') },
        h('strong', {}, 'Invite someone to help you'),
        'Send an invitation to a person you trust, so they can see your screen.',
      ),
      h(
        'button',
        { class: 'ra-choice', id: 'ra-help', onclick: () => app.show('help') },
        h('strong', {}, 'Help someone who has invited you'),
        'Open the invitation they sent you and connect to their computer.',
      ),
    ),
    invitationTable(app),
    attempts(app),
  );
}

/** Open, with the wrong passwords so far; or why it no longer lets anyone in. */
function invitationStatus(inv: InvitationView): string {
  if (inv.status === 'locked') return `Locked after ${inv.failedAttempts} wrong passwords`;
  if (inv.status !== 'open' || inv.failedAttempts === 0) return capital(inv.status);
  const left = MAX_PASSWORD_ATTEMPTS - inv.failedAttempts;
  return `Open: ${inv.failedAttempts} wrong ${inv.failedAttempts === 1 ? 'password' : 'passwords'}, ${left} ${left === 1 ? 'try' : 'tries'} left`;
}

/** Helpers who tried to connect and did not get in, newest first, as they happen: a novice sees every try. */
function attempts(app: SessionApp): HTMLElement | false {
  const failed = app.sessions.filter((s) => s.role === 'novice' && s.state === 'ended' && !s.openedAt).reverse();
  if (!failed.length) return false;
  return h(
    'section',
    { class: 'ra-card', 'aria-label': 'Connection attempts', id: 'ra-attempts' },
    h('h2', {}, 'Connection attempts that did not get in'),
    h('ul', {}, ...failed.slice(0, 5).map((s) => h('li', {}, `${when(s.startedAt)}: “${s.peerName}” from ${s.peerAddress}: ${s.reason ?? 'no reason given'}`))),
  );
}

function invitationTable(app: SessionApp): HTMLElement {
  const rows = [...app.invitations].reverse().map((inv) => invitationRow(app, inv));
  return h(
    'section',
    { class: 'ra-card', 'aria-label': 'Your invitations' },
    h('h2', {}, 'Your invitations'),
    rows.length === 0
      ? h('p', {}, 'You have not invited anyone yet.')
      : h(
          'table',
          { class: 'ra-table', id: 'ra-invitations' },
          h('thead', {}, h('tr', {}, ...['Status', 'Name', 'Made', 'Expires', 'Password', ''].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...rows),
        ),
  );
}

function invitationRow(app: SessionApp, inv: InvitationView): HTMLElement {
  const act = (method: 'POST' | 'DELETE', path: string) => () => void app.workbench.request(method, path).catch((e: Error) => app.show('home', error(e)));
  const open = inv.status === 'open';
  return h(
    'tr',
    { 'data-invitation': inv.invitationId },
    h('td', { class: open ? 'ra-status-open' : '' }, invitationStatus(inv)),
    h('td', {}, inv.noviceName),
    h('td', {}, when(inv.createdAt)),
    h('td', {}, when(inv.expiresAt)),
    h('td', {}, inv.passwordRequired ? 'Yes' : 'No'),
    h(
      'td',
      { class: 'ra-row' },
      open && h('button', { class: 'ra-btn secondary', onclick: act('POST', `/api/invitations/${inv.invitationId}/expire`) }, 'Expire now'),
      inv.status !== 'deleted' && h('button', { class: 'ra-btn secondary', onclick: act('DELETE', `/api/invitations/${inv.invitationId}`) }, 'Delete'),
    ),
  );
}

/** The novice's form: who, a message, a password given by phone, how long, and how to send it. */
export function inviteForm(app: SessionApp): HTMLElement {
  const transports = h('select', { name: 'via', id: 'ra-via' });
  const status = h('div', { 'aria-live': 'polite' });
  // Each transport asks for its own target: a folder for a file, an address for e-mail.
  const targetLabel = h('span', {}, 'Send to');
  const target = h('input', { name: 'target', id: 'ra-target' });
  let offered: TransportView[] = [];
  const fit = () => {
    const chosen = offered.find((t) => t.id === transports.value);
    targetLabel.textContent = chosen?.target.label ?? 'Send to';
    target.placeholder = chosen?.target.placeholder ?? '';
    target.required = chosen?.target.required === true;
  };
  transports.addEventListener('change', fit);
  void app.workbench.request<TransportView[]>('GET', '/api/transports').then((list) => {
    offered = list;
    transports.replaceChildren(...list.map((t) => h('option', { value: t.id }, t.title)));
    fit();
  });
  const form = h(
    'form',
    { class: 'ra-form', id: 'ra-invite-form' },
    h('label', {}, 'Your name', h('input', { name: 'name', maxlength: '64', autocomplete: 'name' })),
    h('label', {}, 'Message for your helper', h('textarea', { name: 'message', maxlength: '1000', rows: '3' })),
    h(
      'label',
      {},
      'Password (tell it to your helper by phone, not in the invitation)',
      h('input', { name: 'password', type: 'password', autocomplete: 'new-password', maxlength: '256' }),
    ),
    h('label', {}, 'Type the password again', h('input', { name: 'confirm', type: 'password', autocomplete: 'new-password', maxlength: '256' })),
    h(
      'label',
      {},
      'The invitation expires after',
      h('select', { name: 'expires' }, ...LIFETIMES.map(([v, t]) => h('option', { value: v, selected: v === '1h' }, t))),
    ),
    h('label', {}, 'Send it as', transports),
    h('label', {}, targetLabel, target),
    h(
      'div',
      { class: 'ra-row' },
      h('button', { class: 'ra-btn', type: 'submit' }, 'Create invitation'),
      h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => app.show('home') }, 'Back'),
    ),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (field(form, 'password') !== field(form, 'confirm')) return void status.replaceChildren(error(new Error('The two passwords are not the same.')));
    const body = {
      via: field(form, 'via'),
      target: field(form, 'target'),
      password: field(form, 'password'),
      expires: field(form, 'expires'),
      name: field(form, 'name'),
      message: field(form, 'message'),
    };
    app.workbench.request<{ invitation: InvitationView; receipt: { target: string } }>('POST', '/api/invitations', body).then(
      ({ invitation, receipt }) =>
        app.show(
          'home',
          h(
            'p',
            { class: 'ra-note', role: 'status', id: 'ra-invite-done' },
            `Invitation saved to ${receipt.target}. It expires ${when(invitation.expiresAt)}.`,
            invitation.passwordRequired ? ' Give your helper the password by phone.' : '',
          ),
        ),
      (e: Error) => status.replaceChildren(error(e)),
    );
  });
  return h('section', { class: 'ra-card' }, h('h2', {}, 'Invite someone to help you'), form);
}

/** The helper's form: the invitation file, the password, and the helper's own name. */
export function helpForm(app: SessionApp): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'ra-form', id: 'ra-help-form' },
    h(
      'label',
      {},
      'Invitation file',
      h('input', { name: 'file', type: 'file', accept: '.msrcincident,.MsRcIncident,application/xml', id: 'ra-invitation-file' }),
    ),
    h(
      'label',
      {},
      'or where the invitation is (an address one of your transports can open)',
      h('input', { name: 'source', maxlength: '4096', id: 'ra-invitation-source' }),
    ),
    h('label', {}, 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'off', maxlength: '256', id: 'ra-password' })),
    h('label', {}, 'Your name, as the other person will see it', h('input', { name: 'helperName', maxlength: '64' })),
    h(
      'div',
      { class: 'ra-row' },
      h('button', { class: 'ra-btn', type: 'submit', id: 'ra-connect' }, 'Connect'),
      h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => app.show('home') }, 'Back'),
    ),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    const source = field(form, 'source').trim();
    if (!file && !source) return void status.replaceChildren(error(new Error('Choose the invitation file, or say where the invitation is.')));
    if (file && file.size > 64 * 1024)
      return void status.replaceChildren(error(new Error(`${file.name} is ${file.size} bytes; an invitation is at most 64 KiB.`)));
    const who = { password: field(form, 'password'), helperName: field(form, 'helperName') };
    void (file ? file.text().then((invitation) => ({ invitation, ...who })) : Promise.resolve({ source, ...who })).then((body) =>
      app.workbench.request('POST', '/api/sessions/open', body).then(
        () => app.show('home'),
        (e: Error) => status.replaceChildren(error(e)),
      ),
    );
  });
  return h('section', { class: 'ra-card' }, h('h2', {}, 'Help someone who has invited you'), form);
}

function error(e: Error): HTMLElement {
  return h('p', { class: 'ra-error', role: 'alert' }, e.message);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
