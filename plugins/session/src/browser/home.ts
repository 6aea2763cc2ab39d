import type { TransportTarget } from '../common/api.js';
import {
  deliveryText,
  timesSent,
  DOWNLOAD,
  MAX_PASSWORD_ATTEMPTS,
  type DeliveryView,
  type InvitationPreview,
  type InvitationView,
  type InviteOptions,
  type TransportView,
} from '../common/views.js';
import type { SessionApp } from './app.js';
import { field, h, when } from './dom.js';

/** Where the invite form keeps the way the novice last sent an invitation. */
const LAST_VIA = 'ra.lastVia';

/** How often the picker asks again while the form is shown: contacts come online and go. */
const PICKER_REFRESH_MS = 10_000;

/** A wrong password tried this recently shows as a notice on the home page. */
const NOTICE_MS = 60 * 60_000;

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
    h(
      'div',
      { class: 'ra-row' },
      h('button', { class: 'ra-btn secondary', id: 'ra-settings-link', onclick: () => app.show('settings') }, 'Settings'),
      h('span', {}, 'Whether Remote Assistance and control are allowed here, how long invitations last, the desktop indicator.'),
    ),
    wrongPasswords(app),
    invitationTable(app),
    attempts(app),
  );
}

/** "Someone tried a wrong password": one notice per invitation tried lately, live, with the tries left. */
function wrongPasswords(app: SessionApp): HTMLElement | false {
  const tried = app.invitations.filter((i) => i.lastFailedAt && Date.now() - new Date(i.lastFailedAt).getTime() < NOTICE_MS && i.status !== 'deleted');
  if (!tried.length) return false;
  return h(
    'div',
    { class: 'ra-error', role: 'alert', id: 'ra-wrong-password' },
    ...tried.map((i) => {
      const left = MAX_PASSWORD_ATTEMPTS - i.failedAttempts;
      const outcome = left > 0 ? `${left} ${left === 1 ? 'try' : 'tries'} left before it locks` : 'it is now locked, so nobody can use it';
      return h('p', {}, `Someone tried a wrong password for your invitation of ${when(i.createdAt)} at ${when(i.lastFailedAt!)}: ${outcome}.`);
    }),
    h('p', {}, 'If this was not your helper, expire the invitation.'),
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
          'div',
          { class: 'ra-table-scroll' },
          h(
            'table',
            { class: 'ra-table', id: 'ra-invitations' },
            h('thead', {}, h('tr', {}, ...['Status', 'Delivery', 'Name', 'Made', 'Expires or ended', 'Password', ''].map((t) => h('th', {}, t)))),
            h('tbody', {}, ...rows),
          ),
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
    h(
      'td',
      { class: 'ra-delivery', 'data-state': inv.delivery?.state, title: inv.delivery ? `As of ${when(inv.delivery.at)}` : undefined },
      inv.delivery ? deliveryText(inv.delivery) : '—',
      inv.history?.length ? h('span', { class: 'ra-hint ra-history', title: history(inv.history) }, timesSent(inv.history)) : false,
    ),
    h('td', {}, inv.noviceName),
    h('td', {}, when(inv.createdAt)),
    h('td', {}, open ? `Expires ${when(inv.expiresAt)}` : `Ended ${when(inv.endedAt ?? inv.expiresAt)}`),
    h('td', {}, inv.passwordRequired ? 'Yes' : 'No'),
    h(
      'td',
      { class: 'ra-row' },
      open && h('button', { class: 'ra-btn secondary', onclick: () => app.show('home', resendForm(app, inv)) }, 'Send again'),
      open && h('button', { class: 'ra-btn secondary', onclick: act('POST', `/api/invitations/${inv.invitationId}/expire`) }, 'End invitation'),
      inv.status !== 'deleted' && h('button', { class: 'ra-btn secondary', onclick: act('DELETE', `/api/invitations/${inv.invitationId}`) }, 'Delete'),
    ),
  );
}

/** Each earlier delivery on a line: when, and how far it got. */
function history(deliveries: readonly DeliveryView[]): string {
  return deliveries.map((d) => `${when(d.at)}: ${deliveryText(d)}`).join('\n');
}

/** The novice's form: who, a message, a password given by phone, how long (within the caps), and how to hand it over. */
export function inviteForm(app: SessionApp): HTMLElement {
  const lifetimes = h('select', { name: 'expires', id: 'ra-expires' });
  const cap = h('span', { class: 'ra-hint', id: 'ra-expires-cap' });
  const status = h('div', { 'aria-live': 'polite' });
  const chooser = transportChooser(app);
  void app.workbench.request<InviteOptions>('GET', '/api/invitations/options').then((o) => {
    lifetimes.replaceChildren(...o.lifetimes.map((l) => h('option', { value: l.value, selected: l.value === o.defaultLifetime }, l.label)));
    cap.textContent = `At most ${o.max}, ${{ policy: 'set by your organization', setting: 'as your settings say', default: 'RA’s own limit' }[o.capBy]}.`;
    if (o.off) status.replaceChildren(error(new Error(o.off)));
  });
  const noPassword = h('input', { name: 'noPassword', type: 'checkbox', id: 'ra-no-password' });
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
    h('label', { class: 'ra-check' }, noPassword, 'No password: anyone who gets the invitation may ask to connect'),
    h('label', {}, 'The invitation expires after', lifetimes, cap),
    ...chooser.elements,
    formButtons(app, 'Create invitation', 'Back'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const password = field(form, 'password');
    if (password !== field(form, 'confirm')) return void status.replaceChildren(error(new Error('The two passwords are not the same.')));
    if (!password && !noPassword.checked)
      return void status.replaceChildren(error(new Error('Choose a password, or tick “No password” to make an invitation anyone who gets it may use.')));
    const body = {
      ...chooser.value(),
      password,
      noPassword: !password && noPassword.checked,
      expires: field(form, 'expires'),
      name: field(form, 'name'),
      message: field(form, 'message'),
    };
    hand(app, status, '/api/invitations', body);
  });
  return h('section', { class: 'ra-card' }, h('h2', {}, 'Invite someone to help you'), form);
}

/** An open invitation sent again, by any transport: the same ticket, password and expiry. */
function resendForm(app: SessionApp, inv: InvitationView): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const chooser = transportChooser(app);
  const form = h(
    'form',
    { class: 'ra-form', id: 'ra-resend-form' },
    h('p', {}, `The same invitation, with the same password, open until ${when(inv.expiresAt)}.`),
    ...chooser.elements,
    formButtons(app, 'Send again', 'Cancel'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    hand(app, status, `/api/invitations/${encodeURIComponent(inv.invitationId)}/resend`, chooser.value());
  });
  return h('section', { class: 'ra-card', 'aria-label': 'Send the invitation again' }, h('h2', {}, 'Send the invitation again'), form);
}

/** The form's submit button and the way back home. */
function formButtons(app: SessionApp, submit: string, back: string): HTMLElement {
  return h(
    'div',
    { class: 'ra-row' },
    h('button', { class: 'ra-btn', type: 'submit' }, submit),
    h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => app.show('home') }, back),
  );
}

/** Hands the invitation over: the home page then says where it went, or the form says why it could not. */
function hand(app: SessionApp, status: HTMLElement, path: string, body: unknown): void {
  app.workbench.request<Made>('POST', path, body).then(
    (made) => app.show('home', madeNote(made)),
    (e: Error) => status.replaceChildren(error(e)),
  );
}

type Made = { invitation: InvitationView; receipt: { target: string }; file?: { name: string; mediaType: string; text: string } };

/** Where the invitation went, when it expires, and the password reminder; a download starts the browser's own. */
function madeNote({ invitation, receipt, file }: Made): HTMLElement {
  if (file) download(file);
  const where = file
    ? `Invitation downloaded as ${file.name} (see your browser's downloads).`
    : `${invitation.delivery ? deliveryText(invitation.delivery) : `Sent to ${receipt.target}`}.`;
  return h(
    'p',
    { class: 'ra-note', role: 'status', id: 'ra-invite-done' },
    `${where} It expires ${when(invitation.expiresAt)}.`,
    invitation.passwordRequired ? ' Give your helper the password by phone.' : ' It has no password.',
  );
}

/** “Send it as” and the chosen transport's own target field or picker; `value()` is the request's `via` and `target`. */
function transportChooser(app: SessionApp) {
  const transports = h('select', { name: 'via', id: 'ra-via' });
  // Each transport asks for its own target: a folder for a file (filled in), an address for e-mail, a contact picked from
  // its list for a messenger; a download needs none.
  const targetLabel = h('span', {}, 'Send to');
  const target = h('input', { name: 'target', id: 'ra-target' });
  const picker = targetPicker(app);
  const targetRow = h('label', {}, targetLabel, target, picker.element);
  let offered: TransportView[] = [];
  const fit = () => {
    const chosen = offered.find((t) => t.id === transports.value);
    targetRow.hidden = !chosen;
    targetLabel.textContent = chosen?.target.label ?? 'Send to';
    target.placeholder = chosen?.target.placeholder ?? '';
    target.value = chosen?.target.default ?? '';
    target.required = chosen?.target.required === true;
    // A picker stands in for the text field; only one of them is the form's `target`.
    target.hidden = target.disabled = chosen?.picker === true;
    picker.show(chosen?.picker ? chosen.id : undefined);
  };
  transports.addEventListener('change', fit);
  void app.workbench.request<TransportView[]>('GET', '/api/transports').then((list) => {
    offered = list;
    const download = h('option', { value: DOWNLOAD }, 'Download it with your browser');
    // One that cannot send now stays in the list, greyed, saying why: the novice learns what to set up.
    const options = list.map((t) =>
      h('option', { value: t.id, disabled: t.unavailable !== undefined }, t.unavailable ? `${t.title} (${t.unavailable})` : t.title),
    );
    transports.replaceChildren(...options, download);
    // The way used last, else a file: what a novice is most likely to hand over again.
    const usable = (id: string | null) => id !== null && (id === DOWNLOAD || list.some((t) => t.id === id && !t.unavailable));
    transports.value = [localStorage.getItem(LAST_VIA), 'file', list.find((t) => !t.unavailable)?.id ?? DOWNLOAD].find(usable) ?? DOWNLOAD;
    fit();
  });
  return {
    elements: [h('label', {}, 'Send it as', transports), targetRow],
    value: () => {
      localStorage.setItem(LAST_VIA, transports.value);
      return { via: transports.value, target: targetRow.hidden ? '' : target.disabled ? picker.value() : target.value };
    },
  };
}

/**
 * The invite form's list of whom to send to, for a transport that offers one (online contacts): refreshed while it
 * shows, the choice kept; those who cannot take an invitation now are listed, disabled, with the transport's note.
 */
function targetPicker(app: SessionApp) {
  const select = h('select', { id: 'ra-target-picker', 'aria-label': 'Whom to send it to' });
  const note = h('span', { class: 'ra-hint', id: 'ra-target-note', role: 'status' });
  const element = h('span', { class: 'ra-picker', hidden: true }, select, note);
  let shown: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = () => {
    clearTimeout(timer);
    const transport = shown;
    if (!transport) return;
    void app.workbench.request<TransportTarget[]>('GET', `/api/transports/${encodeURIComponent(transport)}/targets`).then(
      (list) => {
        if (transport !== shown) return;
        const kept = select.value;
        select.replaceChildren(
          ...list.map((t) =>
            h(
              'option',
              { value: t.value, disabled: t.disabled === true, selected: t.value === kept && !t.disabled },
              t.note ? `${t.label} (${t.note})` : t.label,
            ),
          ),
        );
        const usable = list.filter((t) => !t.disabled).length;
        note.textContent = list.length === 0 ? 'Nobody to send it to yet.' : usable === 0 ? 'Nobody can take an invitation now.' : '';
      },
      (e: Error) => transport === shown && (select.replaceChildren(), (note.textContent = e.message)),
    );
    // Asked again while the form is on the page; a page that left it stops asking.
    timer = setTimeout(() => (element.isConnected ? load() : undefined), PICKER_REFRESH_MS);
  };
  return {
    element,
    show(transport: string | undefined) {
      shown = transport;
      element.hidden = !transport;
      select.replaceChildren();
      note.textContent = '';
      load();
    },
    value: () => select.value,
  };
}

/** Hands the invitation to the browser's own download, as any saved file. */
function download(file: { name: string; mediaType: string; text: string }): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mediaType }));
  const link = h('a', { href: url, download: file.name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The helper's form: the invitation (a file, or where it is), then what it says (who, their message,
 * until when) before any password is asked for; then the password and the helper's own name.
 */
export function helpForm(app: SessionApp, given?: string): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const preview = h('div', { id: 'ra-preview', 'aria-live': 'polite' });
  const connect = h('button', { class: 'ra-btn', type: 'submit', id: 'ra-connect', disabled: true }, 'Connect');
  const fileInput = h('input', { name: 'file', type: 'file', accept: '.msrcincident,.MsRcIncident,application/xml', id: 'ra-invitation-file' });
  const sourceInput = h('input', { name: 'source', maxlength: '4096', id: 'ra-invitation-source' });
  const form = h(
    'form',
    { class: 'ra-form', id: 'ra-help-form' },
    h('label', {}, 'Invitation file', fileInput),
    h('label', {}, 'or its link (ra-invite:…), or where it is (an address one of your transports can open)', sourceInput),
    preview,
    h('label', {}, 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'off', maxlength: '256', id: 'ra-password' })),
    h('label', {}, 'Your name, as the other person will see it', h('input', { name: 'helperName', maxlength: '64' })),
    h('div', { class: 'ra-row' }, connect, h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => app.show('home') }, 'Back')),
    status,
  );
  /** The invitation as the open and preview routes take it, or why there is none. */
  const invitation = async (): Promise<Record<string, string>> => {
    const file = fileInput.files?.[0];
    const source = sourceInput.value.trim();
    if (!file && !source) throw new Error('Choose the invitation file, or say where the invitation is.');
    if (file && file.size > 64 * 1024) throw new Error(`${file.name} is ${file.size} bytes; an invitation is at most 64 KiB.`);
    return file ? { invitation: await file.text() } : { source };
  };
  let asked = 0;
  const look = () => {
    const ask = ++asked;
    connect.disabled = true;
    status.replaceChildren();
    void invitation()
      .then((body) => app.workbench.request<InvitationPreview>('POST', '/api/invitations/preview', body))
      .then(
        (p) => {
          if (ask !== asked) return;
          preview.replaceChildren(previewCard(p));
          connect.disabled = p.expired;
        },
        (e: Error) => ask === asked && preview.replaceChildren(error(e)),
      );
  };
  fileInput.addEventListener('change', () => {
    sourceInput.value = '';
    look();
  });
  let typing: ReturnType<typeof setTimeout> | undefined;
  sourceInput.addEventListener('input', () => {
    fileInput.value = '';
    clearTimeout(typing);
    typing = setTimeout(look, 600);
  });
  // Opened with an invitation (`ra show FILE`, a double-click): what it says shows at once, the password is next.
  if (given) {
    sourceInput.value = given;
    look();
    queueMicrotask(() => form.querySelector<HTMLInputElement>('#ra-password')?.focus());
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const who = { password: field(form, 'password'), helperName: field(form, 'helperName') };
    void invitation()
      .then((body) => app.workbench.request('POST', '/api/sessions/open', { ...body, ...who }))
      .then(
        () => app.show('home'),
        (e: Error) => status.replaceChildren(error(e)),
      );
  });
  return h('section', { class: 'ra-card' }, h('h2', {}, 'Help someone who has invited you'), form);
}

/** Who invited you, their message and until when: read from the signed invitation, nothing connected yet. */
function previewCard(p: InvitationPreview): HTMLElement {
  return h(
    'div',
    { class: 'ra-note', id: 'ra-preview-card' },
    h('p', {}, 'Invitation from ', h('strong', { id: 'ra-preview-name' }, `“${p.noviceName}”`), ' (the name is only what they typed)'),
    p.message ? h('p', {}, 'Their message: ', h('q', { id: 'ra-preview-message' }, p.message)) : h('p', {}, 'No message.'),
    p.expired
      ? h('p', { class: 'ra-error', id: 'ra-preview-expiry' }, `It expired on ${when(p.expiresAt)}; ask for a new one.`)
      : h('p', { id: 'ra-preview-expiry' }, `It is open until ${when(p.expiresAt)}.`),
    h('p', {}, p.passwordRequired ? 'It needs the password they gave you by phone.' : 'It has no password.'),
  );
}

function error(e: Error): HTMLElement {
  return h('p', { class: 'ra-error', role: 'alert' }, e.message);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
