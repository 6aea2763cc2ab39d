import type { Workbench } from '@ra/kernel';
import type { HomePanel } from '@ra/plugin-session/api';
import { field, h, sentence } from '@ra/plugin-session/dom';
import { EMAIL_ACCOUNT_PATH, type AccountView, type EmailStatus } from '../common/api.js';

/** Ports by security, as providers document them (RFC 8314 prefers 465). */
const PORTS = { starttls: '587', tls: '465' } as const;

/**
 * The E-mail panel: the account RA sends invitations from (server, port, security, user, password or OAuth2 token,
 * sender), saved once, tried with a test message, removed. The secret is only ever typed here: the page never gets it back.
 */
export function accountPanel(workbench: Workbench): HomePanel {
  return {
    id: 'email',
    title: 'E-mail',
    order: 60,
    render(host) {
      const status = h('div', { 'aria-live': 'polite', id: 'ra-email-status' });
      const summary = h('p', { id: 'ra-email-summary' });
      const form = accountForm();
      const say = (text: string, error = false) =>
        status.replaceChildren(h('p', { class: error ? 'ra-error' : 'ra-note', role: error ? 'alert' : 'status' }, sentence(text)));
      // The account's fields fold away: most people send from their own mail program, and need none of them.
      const toggle = h('summary', {});
      const details = h('details', { id: 'ra-email-account' }, toggle, form);
      const show = (s: EmailStatus) => {
        summary.textContent = s.account
          ? `Invitations by e-mail go from ${s.account.from}, through ${s.account.host}:${s.account.port}.`
          : 'RA can send invitations from your e-mail account, once it is set up here.';
        toggle.textContent = s.account ? 'Change the account' : 'Set up the account';
        fill(form, s.account);
        row.hidden = !s.account;
        methods.textContent = ways(s);
      };
      // A refusal is said in the panel; the caller then gets nothing to act on.
      const call = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T | undefined> =>
        workbench.request<T>(method, path, body).catch((e: Error) => void say(e.message, true));
      const methods = h('p', { class: 'ra-hint', id: 'ra-email-methods' });
      const test = h('button', { class: 'ra-btn secondary', type: 'button', id: 'ra-email-test' }, 'Send a test message');
      const remove = h('button', { class: 'ra-btn secondary', type: 'button', id: 'ra-email-remove' }, 'Remove the account');
      test.addEventListener(
        'click',
        () => void call<{ sentTo: string }>('POST', `${EMAIL_ACCOUNT_PATH}/test`, {}).then((r) => r && say(`A test message went to ${r.sentTo}`)),
      );
      remove.addEventListener(
        'click',
        () => void call<EmailStatus>('DELETE', EMAIL_ACCOUNT_PATH).then((s) => s && (show(s), say('The account and its password are removed'))),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void call<EmailStatus>('POST', EMAIL_ACCOUNT_PATH, read(form)).then((s) => s && (show(s), say('Saved. Send a test message to be sure it works')));
      });
      form.append(h('div', { class: 'ra-row' }, h('button', { class: 'ra-btn', type: 'submit' }, 'Save')));
      const row = h('div', { class: 'ra-row', hidden: true }, test, remove);
      const card = h('section', { class: 'ra-card', 'aria-label': 'E-mail', id: 'ra-email' }, h('h2', {}, 'E-mail'), summary, methods, details, row, status);
      host.append(card);
      void call<EmailStatus>('GET', EMAIL_ACCOUNT_PATH).then((s) => s && show(s));
      return { dispose: () => card.remove() };
    },
  };
}

function accountForm(): HTMLFormElement {
  const security = h(
    'select',
    { name: 'security' },
    h('option', { value: 'starttls' }, 'STARTTLS, required (port 587)'),
    h('option', { value: 'tls' }, 'TLS from the start (port 465)'),
  );
  const port = h('input', { name: 'port', type: 'number', min: '1', max: '65535', value: PORTS.starttls, required: true });
  security.addEventListener('change', () => (port.value = PORTS[security.value as keyof typeof PORTS]));
  const auth = h(
    'select',
    { name: 'auth' },
    h('option', { value: 'password' }, 'Password (an app password at Gmail)'),
    h('option', { value: 'oauth2' }, 'OAuth2 access token (Exchange Online, Gmail)'),
  );
  return h(
    'form',
    { class: 'ra-form', id: 'ra-email-form', 'aria-label': 'E-mail account' },
    h(
      'label',
      {},
      'Outgoing mail server',
      h('input', { name: 'host', required: true, placeholder: 'smtp.example.org', maxlength: '253', spellcheck: 'false' }),
    ),
    h('label', {}, 'Security', security),
    h('label', {}, 'Port', port),
    h('label', {}, 'User name', h('input', { name: 'user', required: true, autocomplete: 'username', maxlength: '256', spellcheck: 'false' })),
    h('label', {}, 'Sign in with', auth),
    h(
      'label',
      {},
      'Password or token',
      h('input', { name: 'secret', type: 'password', autocomplete: 'new-password', maxlength: '8192', placeholder: 'kept as saved if left empty' }),
    ),
    h(
      'label',
      {},
      'Your address (the sender)',
      h('input', { name: 'from', type: 'email', placeholder: 'the user name, if it is an address', maxlength: '254' }),
    ),
    h(
      'label',
      {},
      "Your company's CA file (if your helpdesk gave you one)",
      h('input', { name: 'caFile', placeholder: '/etc/ssl/certs/company-ca.pem', maxlength: '4096', spellcheck: 'false' }),
    ),
  );
}

const WORDS = { smtp: 'from your account', draft: 'as a draft in your mail program', link: 'as a link in your mail program' } as const;

/** The ways the invite form offers, in words; who chose them when the policy did. */
function ways({ methods, locked }: EmailStatus): string {
  const said = methods.length ? `You can send invitations by e-mail ${methods.map((m) => WORDS[m]).join(', or ')}.` : 'Invitations by e-mail are turned off.';
  return locked ? `${said} (${locked[0].toUpperCase()}${locked.slice(1)}.)` : said;
}

function fill(form: HTMLFormElement, account: AccountView | undefined): void {
  if (!account) return;
  for (const name of ['host', 'security', 'port', 'user', 'auth', 'from', 'caFile'] as const) {
    (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value = String(account[name] ?? '');
  }
  (form.elements.namedItem('secret') as HTMLInputElement).value = '';
}

function read(form: HTMLFormElement): Record<string, unknown> {
  return {
    host: field(form, 'host'),
    port: Number(field(form, 'port')),
    security: field(form, 'security'),
    user: field(form, 'user'),
    auth: field(form, 'auth'),
    secret: field(form, 'secret'),
    from: field(form, 'from'),
    caFile: field(form, 'caFile'),
  };
}
