import { normaliseUser, USER_NAME } from '../common/protocol.js';
import { LocalBus, type MessengerBus } from './bus.js';
import type { MessengerLimits } from './config.js';
import { FrameError } from './errors.js';
import { LocalRates, type Rates } from './rates.js';
import { LocalSchedule, type Schedule } from './schedule.js';
import type { MessengerStore } from './store.js';

/** What the server's parts share: the store, the bus, rates, the schedule, the limits and the clock; local or on Redis. */
export interface Hub {
  readonly store: MessengerStore;
  readonly bus: MessengerBus;
  readonly rates: Rates;
  readonly schedule: Schedule;
  readonly limits: MessengerLimits;
  now(): number;
  /** One line for the operator; never a password or a token. */
  log(line: string): void;
}

/** The hub of one process: everything in memory but the store. */
export function localHub(store: MessengerStore, limits: MessengerLimits, log: (line: string) => void, now: () => number = Date.now): Hub {
  return { store, bus: new LocalBus(), rates: new LocalRates(now), schedule: new LocalSchedule(now, log), limits, now, log };
}

/** A user name as typed, normalised and checked. */
export function userName(text: string): string {
  const name = normaliseUser(text);
  if (!USER_NAME.test(name)) throw new FrameError('bad-frame', `'${text.slice(0, 40)}' is not a user name: 3 to 32 of a-z, 0-9, '.', '_' and '-'`);
  return name;
}
