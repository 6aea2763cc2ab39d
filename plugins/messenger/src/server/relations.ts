import type { Relation } from '../common/protocol.js';
import { FrameError } from './errors.js';
import type { RelationRecord } from './store.js';

export type ContactVerb = 'request' | 'accept' | 'decline' | 'remove' | 'block' | 'unblock';

export interface Pair {
  /** The acting user's record about the other. */
  readonly mine: RelationRecord | undefined;
  /** The other's record about the acting user. */
  readonly theirs: RelationRecord | undefined;
}

/**
 * The contact state machine, XMPP's mutual subscription: `request` makes me `asked` and them `asking`;
 * `accept` makes both `mutual`. A block is a flag beside the state, so the blocked side's record never
 * changes and it learns nothing; unblocking gives the relation back.
 */
export function contactTransition(verb: ContactVerb, { mine, theirs }: Pair, other: string, theyExist: boolean): Pair {
  const theyAsked = theirs?.state === 'asked' && !theirs.blocked;
  switch (verb) {
    case 'request':
      // Asking someone who asked me (or whose record already says mutual) is accepting.
      if (mine?.state === 'mutual' || mine?.state === 'asking' || theyAsked || (theirs?.state === 'mutual' && !theirs.blocked))
        return { mine: { state: 'mutual' }, theirs: { ...theirs, state: 'mutual' } };
      // Them not existing, or blocking me, leaves their side untouched and mine the same: nobody can tell.
      return { mine: { state: 'asked' }, theirs: !theyExist || theirs?.blocked ? theirs : { ...theirs, state: 'asking' } };
    case 'accept':
      if (mine?.state !== 'asking') throw new FrameError('not-contact', `${other} has not asked to be your contact`);
      return { mine: { ...mine, state: 'mutual' }, theirs: { ...theirs, state: 'mutual' } };
    case 'decline':
      if (mine?.state !== 'asking') throw new FrameError('not-contact', `${other} has not asked to be your contact`);
      return { mine: keepBlock(mine), theirs: theirs?.state === 'asked' ? keepBlock(theirs) : theirs };
    case 'remove':
      return { mine: undefined, theirs: theirs?.state ? keepBlock(theirs) : theirs };
    case 'block':
      return { mine: { ...mine, blocked: true }, theirs };
    case 'unblock':
      return { mine: mine?.state ? { state: mine.state } : undefined, theirs };
  }
}

/** Whether two users see each other's presence and may invite each other: both mutual, neither blocking. */
export function mutual({ mine, theirs }: Pair): boolean {
  return mine?.state === 'mutual' && theirs?.state === 'mutual' && !mine.blocked && !theirs.blocked;
}

/** What the owner of `mine` sees the relation as, or undefined when it has none. */
export function relationOf(mine: RelationRecord | undefined): Relation | undefined {
  return mine?.blocked ? 'blocked' : mine?.state;
}

/** Their display name shows only once they have reached out (asked me, or accepted): never to a stranger who asks about them. */
export function showsName({ theirs }: Pair): boolean {
  return theirs?.state === 'asked' || theirs?.state === 'mutual';
}

function keepBlock(record: RelationRecord): RelationRecord | undefined {
  return record.blocked ? { blocked: true } : undefined;
}
