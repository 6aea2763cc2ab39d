import type { Disposable } from './disposable.js';

/** A socket from the page to the local API, reconnect-free: the owner decides what a close means. */
export interface PageSocket extends Disposable {
  send(data: string | Uint8Array): void;
  onMessage(listener: (data: string | Uint8Array) => void): Disposable;
  onClose(listener: (reason: string) => void): Disposable;
}

/**
 * The browser shell, as handed to each plugin's browser entry: the local API, the page, and the
 * page's registry of contributions. The plugin that owns a browser point (the session plugin's
 * UiPanel, the screen plugin's RemoteSurface) declares it and reads it; others contribute.
 */
export interface Workbench {
  /** Calls the local API; rejects with the API's own error message. */
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  connect(path: string): PageSocket;
  /** The element a plugin that owns the page (the session plugin) renders into. */
  readonly main: HTMLElement;
  /** Adds a contribution to a browser extension point until the returned Disposable is disposed. */
  contribute<K extends keyof BrowserPoints>(point: K, value: BrowserPoints[K]): Disposable;
  /** Every contribution to a point, in the order they came. */
  contributions<K extends keyof BrowserPoints>(point: K): BrowserPoints[K][];
  /** Calls `listener` whenever a point's contributions change; the Disposable stops it. */
  onDidChange(point: keyof BrowserPoints, listener: () => void): Disposable;
}

/**
 * The page's extension points, by name. Each owner adds its own to this interface from its
 * published API (`declare module '@ra/kernel' { interface BrowserPoints { UiPanel: UiPanel } }`),
 * so a contributor needs only a type import, never a module of another plugin in the page.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BrowserPoints {}

/** What a plugin's browser entry exports by default. */
export interface BrowserPlugin {
  activate(workbench: Workbench): void | Promise<void>;
}
