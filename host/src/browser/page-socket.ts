import type { Disposable, PageSocket } from '@ra/kernel';
import { SOCKET_PROTOCOL, TOKEN_PROTOCOL } from './access.js';

/**
 * A WebSocket to the local API as a plugin sees it: binary frames as Uint8Array, messages sent
 * before the socket opens are queued, and one close reason for whoever listens.
 */
export class BrowserPageSocket implements PageSocket {
  private readonly ws: WebSocket;
  private readonly queue: (string | Uint8Array)[] = [];
  private readonly messageListeners = new Set<(data: string | Uint8Array) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();

  /** A browser cannot set headers on a WebSocket: the secret goes as a subprotocol (see access.ts). */
  constructor(path: string, token: string) {
    this.ws = new WebSocket(new URL(path, location.href.replace(/^http/, 'ws')), [SOCKET_PROTOCOL, `${TOKEN_PROTOCOL}${token}`]);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => this.queue.splice(0).forEach((data) => this.transmit(data));
    this.ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      const data = typeof event.data === 'string' ? event.data : new Uint8Array(event.data);
      for (const listener of this.messageListeners) listener(data);
    };
    this.ws.onclose = (event) => {
      const reason = event.reason || (event.code === 1000 ? 'closed' : `connection lost (code ${event.code})`);
      for (const listener of this.closeListeners) listener(reason);
    };
  }

  send(data: string | Uint8Array): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.queue.push(data);
    else if (this.ws.readyState === WebSocket.OPEN) this.transmit(data);
  }

  onMessage(listener: (data: string | Uint8Array) => void): Disposable {
    this.messageListeners.add(listener);
    return { dispose: () => void this.messageListeners.delete(listener) };
  }

  onClose(listener: (reason: string) => void): Disposable {
    this.closeListeners.add(listener);
    return { dispose: () => void this.closeListeners.delete(listener) };
  }

  /** The DOM types want ArrayBuffer-backed views; plugins send ordinary ones. */
  private transmit(data: string | Uint8Array): void {
    this.ws.send(data as string | Uint8Array<ArrayBuffer>);
  }

  dispose(): void {
    this.queue.length = 0;
    this.ws.close(1000);
  }
}
