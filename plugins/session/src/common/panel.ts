import type { Disposable, Role } from '@ra/kernel';
import type { SessionInfo } from './channel.js';

/** What the session console hands a panel: who is looking, and a line to its own session channel. */
export interface UiContext {
  readonly role: Role;
  readonly session?: SessionInfo;
  post(channelId: string, payload: string | Uint8Array): void;
  onMessage(channelId: string, listener: (payload: string | Uint8Array) => void): Disposable;
  /** Puts one of the panel's controls (Take Control, Actual size, Start Talking) in the console's toolbar, lowest `order` first; the Disposable takes it out. */
  toolbar(element: HTMLElement, order?: number): Disposable;
}

/** A panel in the novice's or helper's session console: chat, voice controls, the remote screen. */
export interface UiPanel {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  /** Where it sits in the console, lowest first (control -10, the screen 0, chat 20; unset is 50). */
  readonly order?: number;
  render(host: HTMLElement, context: UiContext): Disposable;
}

declare module '@ra/kernel' {
  /** ra.session's browser point: `workbench.contribute('UiPanel', panel)`. */
  interface BrowserPoints {
    UiPanel: UiPanel;
  }
}
