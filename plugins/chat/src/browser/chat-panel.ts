import type { Disposable, PageSocket, Workbench } from '@ra/kernel';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { MAX_HISTORY, type ChatMessage, type LiveMessage } from '../common/message.js';

/** Reconnects after a drop: 250 ms doubling to 5 s; only a drop longer than LOST_AFTER_MS is shown. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
const LOST_AFTER_MS = 4_000;

/** Several chats can share the novice's page (one per helper), so their element ids are numbered. */
let panels = 0;

/**
 * The chat panel on both sides of a session: the conversation, and a Message Entry field to add to it.
 * It shows the last 500 messages (MAX_HISTORY), as RA keeps them; older ones drop off the top.
 * On the helper's side it docks beside the screen, and its Chat button in the toolbar shows or hides it.
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
  private readonly sessionId: string;
  private socket?: PageSocket;
  private retries = 0;
  private retryTimer?: number;
  private lostTimer?: number;
  /** The error line says the chat lost contact, and goes once it is back. */
  private stale = false;
  private sending = false;
  private disposed = false;
  private readonly toggle?: { button: HTMLButtonElement; unread: number; tool: Disposable };

  constructor(
    private readonly host: HTMLElement,
    private readonly context: UiContext,
    private readonly workbench: Workbench,
  ) {
    const session = context.session;
    if (!session) throw new Error('it opens only inside a session');
    this.sessionId = session.id;
    this.path = `/api/chat/${encodeURIComponent(session.id)}`;
    const n = ++panels;
    const title = element('h2', 'ra-chat-title', `Chat with ${session.peerName}`);
    title.id = `ra-chat-title-${n}`;
    Object.assign(this.log, { id: `ra-chat-log-${n}`, tabIndex: 0 });
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    this.log.setAttribute('aria-labelledby', title.id);
    this.log.dataset.empty = `No messages yet. Write to ${session.peerName} below.`;
    Object.assign(this.entry, { id: `ra-chat-entry-${n}`, className: 'ra-chat-entry', rows: 2, dir: 'auto' });
    const label = element('label', '', 'Message Entry');
    label.htmlFor = this.entry.id;
    const send = element('button', 'ra-btn', 'Send');
    Object.assign(send, { type: 'submit' });
    Object.assign(this.error, { id: `ra-chat-error-${n}`, hidden: true });
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
    if (context.role === 'helper') {
      const button = element('button', 'ra-btn secondary', 'Chat');
      button.setAttribute('aria-pressed', 'true');
      button.addEventListener('click', () => this.showPanel(host.hidden !== false));
      this.toggle = { button, unread: 0, tool: context.toolbar(button, 20) };
    }
    this.connect();
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.lostTimer);
    this.toggle?.tool.dispose();
    this.socket?.dispose();
  }

  /**
   * This computer's RA pushes what it recorded: the peer's messages once checked (bad or flooding ones never come),
   * and this side's, sent here or with `ra chat`. Every connection starts with the kept history, so a page opened
   * midway, or back after a plugin restart closed the socket, shows the same; ids keep a message from showing twice.
   */
  private connect(): void {
    const socket = this.workbench.connect('/api/chat/live');
    this.socket = socket;
    socket.onMessage((data) => {
      if (this.retries) this.back();
      const live = JSON.parse(data as string) as LiveMessage;
      if (live.sessionId === this.sessionId) this.show(live.message);
    });
    socket.onClose((reason) => {
      if (this.disposed || socket !== this.socket) return;
      this.retryTimer = window.setTimeout(() => this.connect(), Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries++));
      this.lostTimer ??= window.setTimeout(() => {
        this.say(`The chat lost contact with RA on this computer (${reason}). Trying again…`);
        this.stale = true;
      }, LOST_AFTER_MS);
    });
  }

  private back(): void {
    this.retries = 0;
    window.clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    if (this.stale) this.say(undefined);
    this.stale = false;
  }

  private showPanel(visible: boolean): void {
    if (!this.toggle) return;
    this.host.hidden = !visible;
    this.toggle.button.setAttribute('aria-pressed', String(visible));
    if (visible) this.toggle.unread = 0;
    this.toggle.button.textContent = this.toggle.unread ? `Chat (${this.toggle.unread} new)` : 'Chat';
    if (visible) this.entry.focus();
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
    if (this.toggle && this.host.hidden && !mine) {
      this.toggle.unread++;
      this.toggle.button.textContent = `Chat (${this.toggle.unread} new)`;
    }
  }

  private say(text: string | undefined): void {
    if (text !== undefined) this.stale = false;
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
