import type { Disposable } from './disposable.js';
import type { Role, SessionInfo } from './session.js';
import { token } from './token.js';

/** What the browser side hands a panel or action: who is looking, and a line to its own session channel. */
export interface UiContext {
  readonly role: Role;
  readonly session?: SessionInfo;
  post(channelId: string, payload: string | Uint8Array): void;
  onMessage(channelId: string, listener: (payload: string | Uint8Array) => void): Disposable;
}

/** A panel in the novice's or helper's window: chat, voice controls, the remote screen. */
export interface UiPanel {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  /** Where it sits in the console, lowest first (control -10, the screen 0, chat 20; unset is 50). */
  readonly order?: number;
  render(host: HTMLElement, context: UiContext): Disposable;
}

/** A button in the session toolbar: Take Control, Stop, Send file. */
export interface ToolbarAction {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  run(context: UiContext): void | Promise<void>;
}

/** A socket from the page to the local API, reconnect-free: the owner decides what a close means. */
export interface PageSocket extends Disposable {
  send(data: string | Uint8Array): void;
  onMessage(listener: (data: string | Uint8Array) => void): Disposable;
  onClose(listener: (reason: string) => void): Disposable;
}

/** A point on the remote screen, in its own pixels. */
export interface RemotePoint {
  readonly x: number;
  readonly y: number;
}

/**
 * The helper's picture of the novice's screen, as the panel that draws it offers it to others
 * (the control plugin listens on it). `toRemote` maps a client point whatever the zoom.
 */
export interface RemoteSurface {
  readonly sessionId: string;
  readonly element: HTMLElement;
  toRemote(clientX: number, clientY: number): RemotePoint | undefined;
}

/** The browser shell, as handed to each plugin's browser entry. */
export interface Workbench {
  /** Calls the local API; rejects with the API's own error message. */
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  connect(path: string): PageSocket;
  /** The element a plugin that owns the page (the session plugin) renders into. */
  readonly main: HTMLElement;
  registerPanel(panel: UiPanel): Disposable;
  registerAction(action: ToolbarAction): Disposable;
  panels(role: Role): UiPanel[];
  actions(role: Role): ToolbarAction[];
  /** Offers a remote screen surface until the returned Disposable is disposed. */
  provideSurface(surface: RemoteSurface): Disposable;
  /** Calls `listener` with the session's surface now and whenever one appears; the Disposable stops it. */
  onSurface(sessionId: string, listener: (surface: RemoteSurface | undefined) => void): Disposable;
}

/** What a plugin's browser entry exports by default. */
export interface BrowserPlugin {
  activate(workbench: Workbench): void | Promise<void>;
}

export const UiPanel = token<UiPanel>('UiPanel');
export const ToolbarAction = token<ToolbarAction>('ToolbarAction');
