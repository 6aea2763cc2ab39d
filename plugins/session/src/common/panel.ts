import type { Disposable, Role } from '@ra/kernel';
import type { SessionInfo } from './channel.js';

/** What the session console hands a panel: who is looking, a line to its own session channel, and the console's toolbar. */
export interface UiContext {
  readonly role: Role;
  readonly session?: SessionInfo;
  post(channelId: string, payload: string | Uint8Array): void;
  onMessage(channelId: string, listener: (payload: string | Uint8Array) => void): Disposable;
  /**
   * Puts one of the panel's controls (Take Control, Actual size, Start Talking) in the session's toolbar, lowest `order` first
   * (unset is 50; equal orders keep the order they came in). The Disposable takes it out; so does the panel's own end.
   */
  toolbar(element: HTMLElement, order?: number): Disposable;
}

/** A panel in the novice's or helper's session console: chat, voice controls, the remote screen. */
export interface UiPanel {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  /** Where it sits in its dock, lowest first (control -10, the screen 0, chat 20; unset is 50). */
  readonly order?: number;
  /**
   * Where the helper's console puts it: `main`, the area under the toolbar that fills the window (the remote screen), or
   * `side` (the default), the column docked beside it (control state, chat). The novice's console stacks every panel.
   */
  readonly dock?: 'main' | 'side';
  render(host: HTMLElement, context: UiContext): Disposable;
}

/**
 * A panel of its own on the home page, beside the invitations (the Messenger). Rendered once per page and kept while the
 * page changes, so it may hold a socket and half-typed input.
 */
export interface HomePanel {
  readonly id: string;
  readonly title: string;
  /** Lowest first; unset is 50. */
  readonly order?: number;
  render(host: HTMLElement): Disposable;
}

declare module '@ra/kernel' {
  /** ra.session's browser points: `workbench.contribute('UiPanel', panel)`, `workbench.contribute('HomePanel', panel)`. */
  interface BrowserPoints {
    UiPanel: UiPanel;
    HomePanel: HomePanel;
  }
}
