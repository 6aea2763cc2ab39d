import { normaliseUser, type OwnPresence, type PresenceState } from '../common/protocol.js';
import type { MessengerClient } from './client.js';
import { errorLine, field, h } from './dom.js';
import type { ContactView } from '../common/api.js';
import { connectionText, OWN_PRESENCE, PRESENCE_TEXT } from './words.js';

/** Online contacts first (online, busy, away), then the rest, each group by name. */
const RANK: Record<PresenceState, number> = { online: 0, busy: 1, away: 2, offline: 3 };

/**
 * The signed-in messenger: who I am, my presence, the connection, contact requests, contacts with their presence,
 * "Add a contact", and Sign out. The forms are built once and the lists redrawn only when what they show changed,
 * so a presence update never takes the focus or half-typed text away.
 */
export class SignedInView {
  readonly element: HTMLElement;
  private readonly who = h('p', { class: 'ra-messenger-who', id: 'ra-messenger-who' });
  private readonly presence = h('select', { name: 'presence', id: 'ra-messenger-presence' });
  private readonly connection = h('p', { class: 'ra-messenger-connection', id: 'ra-messenger-connection', role: 'status' });
  private readonly requests = h('section', { class: 'ra-messenger-requests', 'aria-label': 'Contact requests', hidden: true });
  private readonly list = h('ul', { class: 'ra-messenger-contacts', id: 'ra-messenger-contacts', 'aria-label': 'Contacts' });
  private readonly problem = h('div', { 'aria-live': 'polite' });
  private readonly addStatus = h('div', { 'aria-live': 'polite' });
  private drawn = '';
  /** Whom "Add" last asked: its note goes once they answer. */
  private asked?: string;
  /** The contact whose Remove waits for a second click. */
  private removing?: string;

  constructor(private readonly client: MessengerClient) {
    this.presence.append(...OWN_PRESENCE.map(([value, label]) => h('option', { value }, label)));
    this.presence.addEventListener('change', () => void this.act('/presence', { state: this.presence.value as OwnPresence }));
    const add = h(
      'form',
      { class: 'ra-messenger-add' },
      h('label', { for: 'ra-messenger-add-user' }, 'Add a contact'),
      h(
        'div',
        { class: 'ra-row' },
        h('input', { name: 'user', id: 'ra-messenger-add-user', placeholder: 'their user name', maxlength: '32', spellcheck: 'false', required: true }),
        h('button', { class: 'ra-btn', type: 'submit' }, 'Add'),
      ),
      this.addStatus,
    );
    add.addEventListener('submit', (event) => {
      event.preventDefault();
      const user = field(add, 'user');
      void this.client.post('/contacts/add', { user }, ['contacts']).then(
        () => {
          add.reset();
          this.asked = normaliseUser(user);
          this.addStatus.replaceChildren(h('p', { class: 'ra-messenger-hint' }, `Asked ${user}. They show here as soon as they accept.`));
        },
        (e: Error) => this.addStatus.replaceChildren(errorLine(e.message)),
      );
    });
    this.element = h(
      'div',
      { class: 'ra-messenger-in' },
      h('div', { class: 'ra-messenger-me' }, this.who, h('label', { class: 'ra-messenger-presence' }, 'Your status', this.presence), this.connection),
      this.problem,
      this.requests,
      h('h3', {}, 'Contacts'),
      this.list,
      add,
      h('div', { class: 'ra-row' }, h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => void this.act('/logout') }, 'Sign out')),
    );
  }

  update(): void {
    const status = this.client.status!;
    this.who.replaceChildren(h('strong', {}, status.displayName ?? status.user ?? ''), status.user ? ` (${status.user})` : '');
    if (document.activeElement !== this.presence && status.presence !== 'offline') this.presence.value = status.presence;
    this.connection.textContent = connectionText(status);
    this.connection.dataset.state = status.connection;
    const contacts = this.client.contacts;
    if (this.asked && contacts.some((c) => c.user === this.asked && c.relation !== 'asked')) {
      this.asked = undefined;
      this.addStatus.replaceChildren();
    }
    const key = JSON.stringify([contacts, this.removing]);
    if (key === this.drawn) return;
    this.drawn = key;
    this.drawRequests(contacts.filter((c) => c.relation === 'asking'));
    const listed = contacts.filter((c) => c.relation !== 'asking').sort(order);
    this.list.replaceChildren(
      ...(listed.length ? listed.map((c) => this.row(c)) : [h('li', { class: 'ra-messenger-empty' }, 'No contacts yet. Add one by their user name below.')]),
    );
  }

  private drawRequests(asking: readonly ContactView[]): void {
    this.requests.hidden = asking.length === 0;
    this.requests.replaceChildren(
      h('h3', {}, 'Contact requests'),
      h(
        'ul',
        { class: 'ra-messenger-contacts' },
        ...asking.map((c) =>
          h(
            'li',
            { class: 'ra-messenger-contact', 'data-user': c.user, 'data-relation': c.relation },
            h('span', { class: 'ra-presence-dot', 'data-presence': 'none', 'aria-hidden': 'true' }),
            h('span', { class: 'ra-messenger-name' }, h('strong', {}, c.displayName), ` (${c.user})`),
            h('span', { class: 'ra-messenger-state' }, 'Wants to add you'),
            h(
              'span',
              { class: 'ra-messenger-actions' },
              this.button('Accept', `/contacts/accept`, c.user),
              this.button('Decline', `/contacts/decline`, c.user, 'secondary'),
            ),
          ),
        ),
      ),
    );
  }

  private row(c: ContactView): HTMLElement {
    const mutual = c.relation === 'mutual';
    const withdraw = c.relation === 'asked' ? 'Withdraw' : 'Remove';
    const state = mutual ? PRESENCE_TEXT[c.presence] : c.relation === 'asked' ? 'Waiting for them to accept' : 'Blocked';
    const actions =
      this.removing === c.user
        ? [
            h('span', {}, `Remove ${c.displayName}?`),
            this.button('Remove', '/contacts/remove', c.user, 'danger'),
            h('button', { class: 'ra-btn secondary', type: 'button', 'aria-label': `Keep ${c.user}`, onclick: () => this.confirmRemove(undefined) }, 'Keep'),
          ]
        : [
            c.relation === 'blocked'
              ? this.button('Unblock', '/contacts/unblock', c.user, 'secondary')
              : mutual && this.button('Block', '/contacts/block', c.user, 'secondary'),
            h(
              'button',
              { class: 'ra-btn secondary', type: 'button', 'aria-label': `${withdraw} ${c.user}`, onclick: () => this.confirmRemove(c.user) },
              withdraw,
            ),
          ];
    return h(
      'li',
      { class: 'ra-messenger-contact', 'data-user': c.user, 'data-relation': c.relation },
      h('span', { class: 'ra-presence-dot', 'data-presence': mutual ? c.presence : 'none', 'aria-hidden': 'true' }),
      h('span', { class: 'ra-messenger-name' }, h('strong', {}, c.displayName), ` (${c.user})`),
      h('span', { class: 'ra-messenger-state', 'data-presence': mutual ? c.presence : c.relation }, state),
      h('span', { class: this.removing === c.user ? 'ra-messenger-actions ra-messenger-confirm' : 'ra-messenger-actions' }, ...actions),
    );
  }

  private confirmRemove(user: string | undefined): void {
    this.removing = user;
    this.update();
  }

  private button(label: string, path: string, user: string, kind = ''): HTMLButtonElement {
    return h(
      'button',
      { class: `ra-btn ${kind}`.trim(), type: 'button', 'aria-label': `${label} ${user}`, onclick: () => void this.act(path, { user }) },
      label,
    );
  }

  private async act(path: string, body: unknown = {}): Promise<void> {
    this.problem.replaceChildren();
    try {
      await this.client.post(path, body);
      if (path === '/contacts/remove') this.removing = undefined;
    } catch (e) {
      this.problem.replaceChildren(errorLine((e as Error).message));
    }
  }
}

function order(a: ContactView, b: ContactView): number {
  const rank = (c: ContactView) => (c.relation === 'mutual' ? RANK[c.presence] : 4);
  return rank(a) - rank(b) || a.displayName.localeCompare(b.displayName);
}
