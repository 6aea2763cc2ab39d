import type { Disposable, PageSocket, Workbench } from '@ra/kernel';

/** Waits between tries: 250 ms doubling to 5 s, so a plugin restart (sockets closed with 1001) is bridged in a blink. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
/** Only a drop that lasts this long is worth telling the person about. */
export const LOST_AFTER_MS = 4_000;

export interface LiveHandlers {
  message(data: string | Uint8Array): void;
  /** Still unreachable after LOST_AFTER_MS; `restarted` when RA answers but no longer knows this page's secret. */
  lost(reason: string, restarted: boolean): void;
  /** Heard from again after `lost`. */
  back(): void;
}

/**
 * A page socket that comes back by itself. The server sends its whole state first on every connection, so
 * the first message after a drop is the proof of contact and the resync at once.
 */
export class LiveLink implements Disposable {
  private socket?: PageSocket;
  private retries = 0;
  private retryTimer?: number;
  private lostTimer?: number;
  private lostShown = false;
  private disposed = false;

  constructor(
    private readonly workbench: Workbench,
    private readonly path: string,
    private readonly handlers: LiveHandlers,
  ) {
    this.open();
  }

  send(data: string | Uint8Array): void {
    this.socket?.send(data);
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.lostTimer);
    this.socket?.dispose();
  }

  private open(): void {
    const socket = this.workbench.connect(this.path);
    this.socket = socket;
    socket.onMessage((data) => {
      if (socket !== this.socket) return;
      if (this.retries || this.lostTimer !== undefined) this.heard();
      this.handlers.message(data);
    });
    socket.onClose((reason) => {
      if (socket !== this.socket || this.disposed) return;
      this.socket = undefined;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries++);
      this.retryTimer = window.setTimeout(() => this.open(), delay);
      this.lostTimer ??= window.setTimeout(() => void this.tellLost(reason), LOST_AFTER_MS);
    });
  }

  private heard(): void {
    this.retries = 0;
    window.clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    if (this.lostShown) this.handlers.back();
    this.lostShown = false;
  }

  /** A 401 means RA runs again with a new secret: this page cannot get back in, the person must open the new address. */
  private async tellLost(reason: string): Promise<void> {
    const status = await this.workbench.request('GET', '/api/ui/plugins').then(
      () => 200,
      (e: { status?: number }) => e.status ?? 0,
    );
    if (this.disposed || this.lostTimer === undefined) return;
    this.lostShown = true;
    this.handlers.lost(reason, status === 401);
  }
}
