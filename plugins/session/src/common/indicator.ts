import { token } from '@ra/kernel';

/** One helper connected to this computer, as the desktop indicator names them. */
export interface IndicatorHelper {
  readonly sessionId: string;
  readonly name: string;
  /** What they may do now (`SessionView.rights`): `view`, `control`, … */
  readonly rights: readonly string[];
}

/** What the indicator's own buttons do: the novice's Stop Control and Disconnect, outside the browser. */
export interface IndicatorActions {
  stopControl(sessionId: string): void;
  disconnect(sessionId: string): void;
}

/**
 * Shows on the novice's real desktop, outside the browser, that someone watches or controls it:
 * XP kept the novice's window with Stop Control, Quick Assist draws a border and a toolbar.
 * ra.session calls `show` whenever the connected helpers or their rights change; an empty list hides it.
 */
export interface DesktopIndicator {
  readonly id: string;
  show(helpers: readonly IndicatorHelper[], actions: IndicatorActions): Promise<void>;
}

export const DesktopIndicator = token<DesktopIndicator>('DesktopIndicator');
