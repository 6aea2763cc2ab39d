import { normaliseUser, USER_NAME } from '../common/protocol.js';
import type { MessengerBus } from './bus.js';
import type { MessengerLimits } from './config.js';
import { FrameError } from './errors.js';
import type { MessengerStore } from './store.js';

/** What the server's parts share: the store, the bus, the limits and the clock. */
export interface Hub {
  readonly store: MessengerStore;
  readonly bus: MessengerBus;
  readonly limits: MessengerLimits;
  now(): number;
  /** One line for the operator; never a password or a token. */
  log(line: string): void;
}

/** A user name as typed, normalised and checked. */
export function userName(text: string): string {
  const name = normaliseUser(text);
  if (!USER_NAME.test(name)) throw new FrameError('bad-frame', `'${text.slice(0, 40)}' is not a user name: 3 to 32 of a-z, 0-9, '.', '_' and '-'`);
  return name;
}
