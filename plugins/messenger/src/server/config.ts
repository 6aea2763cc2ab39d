const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Rate {
  /** How many at once; the bucket refills this many per `windowMs`. */
  readonly burst: number;
  readonly windowMs: number;
}

/** Every bound the server keeps. Tests shrink them; operators get the defaults. */
export interface MessengerLimits {
  /** Accounts the server keeps: the file store rewrites its one file on each change, so it stays a few MB. */
  readonly users: number;
  /** Relations (contacts, requests, blocks) one user may have: the list must fit in one welcome frame. */
  readonly contactsPerUser: number;
  readonly contactRequests: Rate;
  readonly registrationsPerAddress: Rate;
  /** Failed sign-ins allowed before back-off, per account and per address. */
  readonly signInFreeFailures: { readonly account: number; readonly address: number };
  readonly signInBackoffMs: { readonly base: number; readonly max: number };
  readonly invitesPerSender: Rate;
  readonly invitesPerRecipient: Rate;
  readonly openInvitesPerPair: number;
  readonly openInvitesPerSender: number;
  /** Invitations (open and answered) the server keeps in all, and the bytes of their tickets. */
  readonly invites: number;
  readonly inviteBytes: number;
  /** Invitations (open and answered) one sender has on the server: `welcome.sent` lists them. */
  readonly invitesKeptPerSender: number;
  /** An invitation's expiry is cut to this. */
  readonly inviteMaxMs: number;
  readonly sessionRequests: Rate;
  readonly devicesPerUser: number;
  readonly tokenIdleMs: number;
  readonly connectionsPerAddress: number;
  readonly connections: number;
  /** A connection's requests, per connection. */
  readonly frames: Rate;
  /** Bad frames in a minute that close the connection with 1008. */
  readonly badFramesPerMinute: number;
  /** A connection must sign in within this. */
  readonly signInWithinMs: number;
  /** A client reading slower than this many bytes behind is cut off. */
  readonly sendBufferBytes: number;
}

export const DEFAULT_LIMITS: MessengerLimits = {
  users: 10_000,
  contactsPerUser: 300,
  contactRequests: { burst: 20, windowMs: DAY },
  registrationsPerAddress: { burst: 5, windowMs: HOUR },
  signInFreeFailures: { account: 5, address: 20 },
  signInBackoffMs: { base: 1000, max: 15 * MINUTE },
  invitesPerSender: { burst: 10, windowMs: MINUTE },
  invitesPerRecipient: { burst: 20, windowMs: MINUTE },
  openInvitesPerPair: 3,
  openInvitesPerSender: 20,
  invites: 5000,
  inviteBytes: 16 * 1024 * 1024,
  invitesKeptPerSender: 50,
  inviteMaxMs: 7 * DAY,
  sessionRequests: { burst: 10, windowMs: MINUTE },
  devicesPerUser: 10,
  tokenIdleMs: 30 * DAY,
  connectionsPerAddress: 64,
  connections: 10_000,
  frames: { burst: 100, windowMs: 5000 },
  badFramesPerMinute: 10,
  signInWithinMs: 30_000,
  sendBufferBytes: 1024 * 1024,
};
