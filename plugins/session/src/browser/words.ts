import { OFFER_SESSION, type SessionView } from '../common/views.js';

/** A session's state as one short word group; "Connected" only while it is open, never next to an end. */
export const STATE_TEXT: Record<SessionView['state'], string> = {
  connecting: 'Connecting…',
  verifying: 'Checking the password…',
  'awaiting-consent': 'Waiting for the answer…',
  open: 'Connected',
  ended: 'Ended',
};

/** The state in words, as the tab and the bar show it: an offer checks certificates, not a password. */
export function stateText(view: Pick<SessionView, 'state' | 'reconnecting' | 'invitationId' | 'certified'>): string {
  if (view.reconnecting) return 'Reconnecting…';
  if (view.state === 'verifying' && (view.certified || view.invitationId === OFFER_SESSION)) return 'Checking certificates…';
  return STATE_TEXT[view.state];
}

/** What each right lets the helper do, as the novice reads it; a scope RA does not know yet shows by its name. */
const ABILITY: Record<string, string> = {
  view: 'see your screen',
  control: 'use your mouse and keyboard',
  voice: 'talk with you',
  files: 'send you files',
};

/** A short label per right, for the chips in the novice's bar. */
const RIGHT_LABEL: Record<string, string> = {
  view: 'Sees your screen',
  control: 'Controls mouse and keyboard',
  voice: 'Talks with you',
  files: 'Sends files',
};

export function rightLabel(right: string): string {
  return RIGHT_LABEL[right] ?? `May use ${right}`;
}

/** "can see your screen and use your mouse and keyboard". */
export function abilities(rights: readonly string[]): string {
  const parts = rights.map((r) => ABILITY[r] ?? `use ${r}`);
  if (parts.length === 0) return 'can do nothing yet';
  return `can ${parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`}`;
}

/** "Hank is already connected and can see your screen", one sentence per person (twice connected says so), for the consent dialog. */
export function alreadyConnected(others: readonly SessionView[]): string[] {
  const count = new Map<string, number>();
  for (const o of others) {
    const line = `${o.peerName}\n${abilities(o.rights)}`;
    count.set(line, (count.get(line) ?? 0) + 1);
  }
  return [...count].map(([line, n]) => {
    const [name, can] = line.split('\n');
    return `${name} is already connected${n > 1 ? ` (in ${n} sessions)` : ''} and ${can}.`;
  });
}

/** Who ended the session and why, in the words each side should read. */
export function endedText(view: SessionView): string {
  const reason = view.reason ? `: ${view.reason}` : '';
  if (view.endedBy === view.role) return `You ended the session with ${view.peerName}${reason}.`;
  // A helper refused before the novice's Accept (a wrong password, a Decline) was never in a session to end.
  if (view.role === 'helper' && !view.openedAt)
    return view.endedBy === 'network' ? `Could not connect${reason}.` : `${view.peerName}'s computer refused the connection${reason}.`;
  if (view.endedBy === 'network') return `The session ended${reason}.`;
  if (view.endedBy === 'refused') return `${view.role === 'helper' ? `${view.peerName}'s computer` : 'This computer'} refused the connection${reason}.`;
  return `${view.peerName} (the ${view.endedBy}) ended the session${reason}.`;
}
