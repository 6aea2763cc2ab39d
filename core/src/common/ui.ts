import type { Disposable } from './disposable.js';
import type { Role, SessionInfo } from './session.js';
import { token } from './token.js';

/** What the browser side hands a panel or action: who is looking, and a line to its own session channel. */
export interface UiContext {
  readonly role: Role;
  readonly session?: SessionInfo;
  post(channelId: string, payload: string): void;
  onMessage(channelId: string, listener: (payload: string) => void): Disposable;
}

/** A panel in the novice's or helper's window: chat, voice controls, a transport's form. */
export interface UiPanel {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  render(host: HTMLElement, context: UiContext): Disposable;
}

/** A button in the session toolbar: Take Control, Stop, Send file. */
export interface ToolbarAction {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
  run(context: UiContext): void | Promise<void>;
}

export const UiPanel = token<UiPanel>('UiPanel');
export const ToolbarAction = token<ToolbarAction>('ToolbarAction');
