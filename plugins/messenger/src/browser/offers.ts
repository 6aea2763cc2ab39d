import type { Disposable } from '@ra/kernel';
import type { MessengerClient } from './client.js';
import { errorLine, h, when } from './dom.js';
import type { OfferView } from '../common/api.js';

/** What `POST /api/invitations/preview` says of the invitation behind an offer (ra.session's InvitationPreview). */
interface Preview {
  readonly passwordRequired: boolean;
}

type Step = 'offered' | 'answering' | 'password' | 'connecting' | 'closed';

/**
 * The helper's side of an invitation sent through the messenger, as Windows Messenger showed it: "Nora would like your
 * help", her message and until when, Accept / Decline. Accept answers her, asks the password when the invitation has
 * one, and opens the invitation with this RA (`source: messenger:INVITE`); the session console follows as for any other.
 * The dialog hangs on the page's body, so it shows at once whatever the page shows, a session console included.
 */
export class OfferDialogs implements Disposable {
  private readonly stack = h('div', { class: 'ra-messenger-offer-stack' });
  private readonly dialog = h(
    'div',
    { class: 'ra-dialog ra-messenger-offers', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Requests for your help' },
    this.stack,
  );
  private readonly cards = new Map<string, OfferCard>();
  /** Each offer gets one card: once answered or closed here, a late copy of the list never brings it back. */
  private readonly seen = new Set<string>();

  constructor(private readonly client: MessengerClient) {}

  update(): void {
    const offers = new Map(this.client.offers.map((o) => [o.invite, o]));
    let fresh: OfferCard | undefined;
    for (const offer of offers.values()) {
      if (this.seen.has(offer.invite) || offer.state !== 'open') continue;
      this.seen.add(offer.invite);
      const card = new OfferCard(this.client, offer, () => this.remove(offer.invite));
      this.cards.set(offer.invite, card);
      this.stack.append(card.element);
      fresh = card;
    }
    for (const [invite, card] of this.cards) card.update(offers.get(invite));
    this.place();
    // The newest request takes the focus, on its Accept, as a dialog that just opened does.
    fresh?.element.querySelector('button')?.focus();
  }

  dispose(): void {
    for (const card of this.cards.values()) card.dispose();
    this.dialog.remove();
  }

  private remove(invite: string): void {
    this.cards.get(invite)?.dispose();
    this.cards.delete(invite);
    this.place();
  }

  /** On the page only while it asks something, so the page has no second dialog lying about. */
  private place(): void {
    if (this.cards.size === 0) this.dialog.remove();
    else if (!this.dialog.isConnected) document.body.append(this.dialog);
  }
}

class OfferCard implements Disposable {
  readonly element: HTMLElement;
  private step: Step = 'offered';
  private readonly body = h('div', { class: 'ra-messenger-offer-body' });
  private readonly status = h('div', { 'aria-live': 'polite' });
  private readonly preview: Promise<Preview | undefined>;
  private readonly expiry: number;
  private readonly source: string;

  constructor(
    private readonly client: MessengerClient,
    private offer: OfferView,
    private readonly done: () => void,
  ) {
    this.source = offer.source;
    const title = h('h2', { id: `ra-offer-title-${offer.invite}` }, `${offer.fromName} would like your help`);
    this.element = h('div', { class: 'ra-messenger-offer', 'data-invite': offer.invite, 'aria-labelledby': title.id }, title, this.body, this.status);
    // What the invitation needs is read locally from its signed ticket, before anything is answered.
    this.preview = client.workbench.request<Preview>('POST', '/api/invitations/preview', { source: this.source }).catch(() => undefined);
    const left = new Date(offer.expiresAt).getTime() - Date.now();
    this.expiry = window.setTimeout(() => this.close('it expired'), Math.min(Math.max(left, 0), 2 ** 31 - 1));
    this.draw();
  }

  /** The offer as the messenger now has it; gone or closed while still unanswered here, it says so. */
  update(offer: OfferView | undefined): void {
    if (offer) this.offer = offer;
    if (this.step !== 'offered') return;
    if (!offer || offer.state !== 'open') this.close();
  }

  dispose(): void {
    window.clearTimeout(this.expiry);
    this.element.remove();
  }

  private draw(): void {
    const o = this.offer;
    if (this.step === 'offered' || this.step === 'answering') {
      const busy = this.step === 'answering';
      this.body.replaceChildren(
        h('p', {}, `From your contact ${o.from}.`),
        o.message ? h('p', { class: 'ra-messenger-offer-message' }, 'Their message: ', h('q', {}, o.message)) : h('p', {}, 'No message.'),
        h('p', {}, `The request is open until ${when(o.expiresAt)}.`),
        h(
          'div',
          { class: 'ra-row' },
          h('button', { class: 'ra-btn', type: 'button', disabled: busy, onclick: () => void this.accept() }, 'Accept'),
          h('button', { class: 'ra-btn secondary', type: 'button', disabled: busy, onclick: () => void this.decline() }, 'Decline'),
        ),
      );
    } else if (this.step === 'password') {
      this.body.replaceChildren(this.passwordForm());
      this.body.querySelector('input')?.focus();
    } else if (this.step === 'connecting') {
      this.body.replaceChildren(h('p', {}, `Connecting to ${o.fromName}’s computer…`));
    }
  }

  private async accept(): Promise<void> {
    this.step = 'answering';
    this.draw();
    try {
      await this.client.post(`/offers/${encodeURIComponent(this.offer.invite)}/accept`, {}, ['offers']);
    } catch (e) {
      this.step = 'offered';
      this.draw();
      return void this.status.replaceChildren(errorLine((e as Error).message));
    }
    const preview = await this.preview;
    if (preview?.passwordRequired === false) return this.connect('');
    this.step = 'password';
    this.status.replaceChildren();
    this.draw();
  }

  private async decline(): Promise<void> {
    this.step = 'answering';
    this.draw();
    try {
      await this.client.post(`/offers/${encodeURIComponent(this.offer.invite)}/decline`, {}, ['offers']);
      this.done();
    } catch (e) {
      this.step = 'offered';
      this.draw();
      this.status.replaceChildren(errorLine((e as Error).message));
    }
  }

  private passwordForm(): HTMLFormElement {
    const input = h('input', { name: 'password', type: 'password', autocomplete: 'off', maxlength: '256', required: true });
    const form = h(
      'form',
      { class: 'ra-form' },
      h('p', {}, `You accepted. ${this.offer.fromName} gave you a password for this invitation, by phone or in person: type it here.`),
      h('label', {}, 'Password', input),
      h(
        'div',
        { class: 'ra-row' },
        h('button', { class: 'ra-btn', type: 'submit' }, 'Connect'),
        h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => this.done() }, 'Cancel'),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.connect(input.value);
    });
    return form;
  }

  /** Opens the invitation with this RA; the console shows the session from here on, so the card goes. */
  private async connect(password: string): Promise<void> {
    const before = this.step;
    this.step = 'connecting';
    this.status.replaceChildren();
    this.draw();
    try {
      const helperName = this.client.status?.displayName ?? this.client.status?.user;
      await this.client.workbench.request('POST', '/api/sessions/open', { source: this.source, password, ...(helperName ? { helperName } : {}) });
      this.done();
    } catch (e) {
      this.step = before === 'password' ? 'password' : 'offered';
      this.draw();
      this.status.replaceChildren(errorLine((e as Error).message));
    }
  }

  /** Closed before it was answered here: cancelled by the sender, expired, or answered on another computer. */
  private close(expired?: string): void {
    if (this.step !== 'offered') return;
    this.step = 'closed';
    window.clearTimeout(this.expiry);
    const o = this.offer;
    const why = expired ?? (o.state === 'closed' ? o.reason : o.state === 'open' ? undefined : 'you answered it elsewhere');
    this.body.replaceChildren(
      h('p', { role: 'status' }, `The request from ${o.fromName} is no longer open${why ? `: ${why}` : ''}.`),
      h('div', { class: 'ra-row' }, h('button', { class: 'ra-btn secondary', type: 'button', onclick: () => this.done() }, 'Close')),
    );
    this.status.replaceChildren();
  }
}
