import type { Disposable, PageSocket, Workbench } from '@ra/kernel';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { MAX_HISTORY, type ChatMessage, type LiveMessage } from '../common/message.js';

/**
 * The chat panel on both sides of a session: the conversation, and a Message Entry field to add to it.
 * It shows the last 500 messages (MAX_HISTORY), as RA keeps them; older ones drop off the top.
 */
export function chatPanel(workbench: Workbench): UiPanel {
  return {
    id: 'chat',
    title: 'Chat',
    roles: ['novice', 'helper'],
    order: 20,
    render(host: HTMLElement, context: UiContext): Disposable {
      const view = new ChatView(host, context, workbench);
      return { dispose: () => view.dispose() };
    },
  };
}

class ChatView {
  private readonly log = element('div', 'ra-chat-log');
  private readonly entry = document.createElement('textarea');
  private readonly error = element('p', 'ra-chat-error');
  private readonly path: string;
  private readonly shown = new Set<string>();
  private readonly socket: PageSocket;
  private sending = false;
  private disposed = false;

  constructor(
    host: HTMLElement,
    private readonly context: UiContext,
    private readonly workbench: Workbench,
  ) {
    const session = context.session;
    if (!session) throw new Error('it opens only inside a session');
    this.path = `/api/chat/${encodeURIComponent(session.id)}`;
    const title = element('h2', '', `Chat with ${session.peerName}`);
    title.id = 'ra-chat-title';
    Object.assign(this.log, { id: 'ra-chat-log', tabIndex: 0 });
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    this.log.setAttribute('aria-labelledby', title.id);
    this.log.dataset.empty = `No messages yet. Write to ${session.peerName} below.`;
    Object.assign(this.entry, { id: 'ra-chat-entry', rows: 2, dir: 'auto' });
    const label = element('label', '', 'Message Entry');
    label.htmlFor = this.entry.id;
    const send = element('button', 'ra-btn', 'Send');
    Object.assign(send, { id: 'ra-chat-send', type: 'submit' });
    Object.assign(this.error, { id: 'ra-chat-error', hidden: true });
    this.error.setAttribute('role', 'alert');
    const form = element('form', 'ra-chat-form');
    form.append(label, this.entry, send, this.error);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
    this.entry.addEventListener('keydown', (e) => {
      // Enter sends, Shift+Enter is a new line; Enter that ends an IME composition (CJK input) only commits it.
      if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
      e.preventDefault();
      void this.send();
    });
    this.entry.addEventListener('input', () => this.say(undefined));
    const panel = element('section', 'ra-chat');
    panel.setAttribute('aria-labelledby', title.id);
    panel.append(title, this.log, form);
    host.append(panel);
    // This computer's RA pushes what it recorded: the peer's messages once checked (bad or flooding ones never come),
    // and this side's, sent here or with `ra chat`. It starts with the kept history, so a page opened midway shows the same.
    this.socket = workbench.connect('/api/chat/live');
    this.socket.onMessage((data) => {
      const live = JSON.parse(data as string) as LiveMessage;
      if (live.sessionId === session.id) this.show(live.message);
    });
    this.socket.onClose((reason) => {
      if (!this.disposed) this.say(`The chat stopped updating (${reason}). Reload the page to catch up.`);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.socket.dispose();
  }

  private async send(): Promise<void> {
    const text = this.entry.value;
    if (this.sending || text.trim() === '') return;
    this.sending = true;
    try {
      // The socket brings the message back as recorded, so the log keeps RA's order.
      await this.workbench.request<ChatMessage>('POST', this.path, { text });
      this.entry.value = '';
      this.say(undefined);
    } catch (e) {
      this.say(`Not sent: ${(e as Error).message}.`);
    } finally {
      this.sending = false;
    }
  }

  private show(message: ChatMessage): void {
    if (this.shown.has(message.id)) return;
    this.shown.add(message.id);
    const mine = message.role === this.context.role;
    // Follow the conversation unless the person scrolled back to read; their own message always brings them down.
    const follow = mine || this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 48;
    const item = element('div', mine ? 'ra-chat-message mine' : 'ra-chat-message');
    item.dataset.id = message.id;
    const time = element('time', '', new Date(message.sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    time.dateTime = message.sentAt;
    time.title = new Date(message.sentAt).toLocaleString();
    const meta = element('div', 'ra-chat-meta');
    meta.append(element('span', 'ra-chat-from', message.from), time);
    const text = element('p', 'ra-chat-text', message.text);
    text.dir = 'auto';
    item.append(meta, text);
    this.log.append(item);
    if (this.log.childElementCount > MAX_HISTORY) {
      const oldest = this.log.firstElementChild as HTMLElement;
      this.shown.delete(oldest.dataset.id!);
      oldest.remove();
    }
    if (follow) this.log.scrollTop = this.log.scrollHeight;
  }

  private say(text: string | undefined): void {
    this.error.hidden = text === undefined;
    this.error.textContent = text ?? '';
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
