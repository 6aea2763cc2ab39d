import type { OwnPresence, PresenceState } from '../common/protocol.js';
import type { DevicePresence } from './bus.js';

const RANK: Readonly<Record<Exclude<OwnPresence, 'appear-offline'>, number>> = { away: 1, busy: 2, online: 3 };

/**
 * What contacts see of a user with these devices online: the liveliest device's state, or `offline`
 * with none. One device set to appear offline hides them all: it is a choice about the person.
 */
export function aggregate(devices: readonly DevicePresence[]): PresenceState {
  if (!devices.length || devices.some((d) => d.presence === 'appear-offline')) return 'offline';
  return devices.reduce<Exclude<OwnPresence, 'appear-offline'>>((best, d) => {
    const state = d.presence as Exclude<OwnPresence, 'appear-offline'>;
    return RANK[state] > RANK[best] ? state : best;
  }, 'away');
}
