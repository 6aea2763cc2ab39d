import type { MessengerClient } from './client.js';
import { errorLine, field, h } from './dom.js';

/**
 * Signing in to a messenger server, or making an account on it: the server (host:port) and its fingerprint as the
 * server printed them on its first start, the user name and password; a new account also asks for a display name.
 * Built once and kept, so a live update never wipes what is being typed.
 */
export class SignInForm {
  readonly element: HTMLFormElement;
  private readonly status = h('div', { 'aria-live': 'polite' });
  private readonly server = h('input', { name: 'server', required: true, placeholder: 'messenger.example.org:8443', autocomplete: 'url', maxlength: '600' });
  private readonly register = h('input', { name: 'register', type: 'checkbox', id: 'ra-messenger-register' });
  private readonly nameRow = h(
    'label',
    { hidden: true },
    'The name your contacts will see',
    h('input', { name: 'displayName', maxlength: '64', autocomplete: 'name' }),
  );
  private readonly submit = h('button', { class: 'ra-btn', type: 'submit' }, 'Sign in');
  private busy = false;

  constructor(private readonly client: MessengerClient) {
    const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', maxlength: '256' });
    this.register.addEventListener('change', () => {
      const making = this.register.checked;
      this.nameRow.hidden = !making;
      (this.nameRow.querySelector('input') as HTMLInputElement).required = making;
      password.autocomplete = making ? 'new-password' : 'current-password';
      this.submit.textContent = making ? 'Create the account' : 'Sign in';
    });
    this.element = h(
      'form',
      { class: 'ra-form ra-messenger-signin', 'aria-label': 'Sign in to a messenger' },
      h('p', { class: 'ra-messenger-lead' }, 'Sign in to see which of your contacts are online and to invite them in an instant.'),
      h(
        'label',
        {},
        'Server (host:port)',
        this.server,
        h('span', { class: 'ra-messenger-hint' }, 'A messenger on several servers: list them all, with commas between them.'),
      ),
      h(
        'label',
        {},
        'Server fingerprint',
        h('input', { name: 'fingerprint', placeholder: 'AA:BB:CC:…', autocomplete: 'off', spellcheck: 'false', maxlength: '200' }),
        h('span', { class: 'ra-messenger-hint' }, 'The server printed it when it first started; ask whoever runs it.'),
      ),
      h('label', {}, 'User name', h('input', { name: 'user', required: true, autocomplete: 'username', maxlength: '32', spellcheck: 'false' })),
      h('label', {}, 'Password', password),
      h('label', { class: 'ra-messenger-check' }, this.register, 'Create an account'),
      this.nameRow,
      h('div', { class: 'ra-row' }, this.submit),
      this.status,
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
  }

  /** Fills in the server this RA used last, unless something is typed already. */
  remember(server: string | undefined): void {
    if (server && !this.server.value) this.server.value = server;
  }

  private async send(): Promise<void> {
    if (this.busy) return;
    const form = this.element;
    const making = this.register.checked;
    const body = {
      server: field(form, 'server'),
      ...(field(form, 'fingerprint') ? { fingerprint: field(form, 'fingerprint') } : {}),
      user: field(form, 'user'),
      password: field(form, 'password'),
      ...(making ? { displayName: field(form, 'displayName') } : {}),
    };
    this.busy = true;
    this.submit.disabled = true;
    this.status.replaceChildren(h('p', { class: 'ra-messenger-hint' }, making ? 'Creating the account…' : 'Signing in…'));
    try {
      await this.client.post(making ? '/register' : '/login', body);
      (form.elements.namedItem('password') as HTMLInputElement).value = '';
      this.status.replaceChildren();
    } catch (e) {
      this.status.replaceChildren(errorLine((e as Error).message));
    } finally {
      this.busy = false;
      this.submit.disabled = false;
    }
  }
}
