import type { OwnPresence, PresenceState } from '../common/protocol.js';
import type { MessengerStatus } from '../common/api.js';

/** How a contact's presence reads; the dot beside it has a shape of its own too, so colour is never the only sign. */
export const PRESENCE_TEXT: Record<PresenceState, string> = {
  online: 'Online',
  busy: 'Busy',
  away: 'Away',
  offline: 'Offline',
};

/** The choices of one's own presence, in the picker's order. */
export const OWN_PRESENCE: readonly (readonly [OwnPresence, string])[] = [
  ['online', 'Online'],
  ['busy', 'Busy'],
  ['away', 'Away'],
  ['appear-offline', 'Appear offline'],
];

/** The connection to the messenger server as one line, with the reason when there is none. */
export function connectionText(status: MessengerStatus): string {
  const where = status.server ? ` to ${status.server}` : '';
  if (status.connection === 'connected') return `Connected${status.node ? ` to ${status.node}, one of ${status.server}` : where}`;
  if (status.connection === 'connecting') return `Reconnecting${where}…`;
  return `Offline${status.error ? `: ${status.error}` : ''}`;
}
