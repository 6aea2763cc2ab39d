import type { Disposable, PageSocket, Workbench } from '@ra/kernel';
import { MESSENGER_LIVE_PATH, type ContactView, type MessengerChange, type MessengerStatus, type OfferView } from '../common/api.js';

/** The live socket comes back by itself: 250 ms doubling to 5 s. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

type Part = MessengerChange['what'];

/**
 * The page's copy of this RA's messenger client: who is signed in, the contacts, the offers. The `messenger-live`
 * socket says which part changed and the part is fetched again; every (re)connect fetches all of them, since a change
 * may have gone by while the socket was down.
 */
export class MessengerClient implements Disposable {
  status?: MessengerStatus;
  contacts: readonly ContactView[] = [];
  offers: readonly OfferView[] = [];
  /** Why the local API could not be read, if it could not. */
  problem?: string;
  private readonly listeners = new Set<() => void>();
  /** Per part, the newest request: an older answer that comes late is dropped. */
  private readonly asked = new Map<Part, number>();
  private socket?: PageSocket;
  private retries = 0;
  private retryTimer?: number;
  private disposed = false;

  constructor(readonly workbench: Workbench) {
    this.open();
  }

  onChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** A POST to the messenger's API; what changed comes back through the socket, and is fetched now too, for a prompt page. */
  async post<T = unknown>(path: string, body: unknown = {}, changes: readonly Part[] = ['status', 'contacts', 'offers']): Promise<T> {
    const result = await this.workbench.request<T>('POST', `/api/messenger${path}`, body);
    void this.refresh(...changes);
    return result;
  }

  async refresh(...parts: Part[]): Promise<void> {
    await Promise.all(parts.map((part) => this.fetch(part)));
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.dispose();
    this.listeners.clear();
  }

  private async fetch(part: Part): Promise<void> {
    const ask = (this.asked.get(part) ?? 0) + 1;
    this.asked.set(part, ask);
    // Contacts and offers are there only for a signed-in user: signed out, they are empty.
    if (part !== 'status' && this.status && !this.status.signedIn) return this.set(part, [], ask);
    const path = part === 'status' ? '/api/messenger' : `/api/messenger/${part}`;
    try {
      const value = await this.workbench.request<unknown>('GET', path);
      this.problem = undefined;
      this.set(part, value, ask);
      if (part === 'status' && !this.status?.signedIn && (this.contacts.length || this.offers.length)) await this.refresh('contacts', 'offers');
    } catch (e) {
      if (this.asked.get(part) !== ask || this.disposed) return;
      if (part === 'status') this.problem = (e as Error).message;
      this.changed();
    }
  }

  private set(part: Part, value: unknown, ask: number): void {
    if (this.asked.get(part) !== ask || this.disposed) return;
    if (part === 'status') this.status = value as MessengerStatus;
    else if (part === 'contacts') this.contacts = value as ContactView[];
    else this.offers = value as OfferView[];
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private open(): void {
    const socket = this.workbench.connect(MESSENGER_LIVE_PATH);
    this.socket = socket;
    void this.refresh('status', 'contacts', 'offers');
    socket.onMessage((data) => {
      if (socket !== this.socket || typeof data !== 'string') return;
      this.retries = 0;
      let change: Partial<MessengerChange>;
      try {
        change = JSON.parse(data) as Partial<MessengerChange>;
      } catch {
        return;
      }
      if (change.type === 'changed' && (change.what === 'status' || change.what === 'contacts' || change.what === 'offers')) void this.refresh(change.what);
    });
    socket.onClose(() => {
      if (socket !== this.socket || this.disposed) return;
      this.socket = undefined;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries++);
      this.retryTimer = window.setTimeout(() => this.open(), delay);
    });
  }
}
