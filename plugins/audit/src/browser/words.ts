import type { Role } from '@ra/kernel';
import type { AuditLine } from '../common/line.js';

/**
 * A session's line as the person reading it on this side says it: what they did themselves is "You", what the other
 * side did carries its name. An event RA does not know shows by its name.
 */
export function lineText(line: AuditLine, me: Role): string {
  const peer = line.peer?.name ?? 'the other side';
  const role = line.actor?.role;
  const who = role === me ? 'You' : role === 'novice' || role === 'helper' ? peer : 'RA';
  const data = line.data ?? {};
  const reason = typeof data.reason === 'string' && data.reason ? `: ${data.reason}` : '';
  const said = typeof data.text === 'string' ? `: “${data.text}”` : '';
  const fixed: Record<string, string> = {
    'session.opened': `The session with ${peer} opened`,
    'session.closed': role === 'system' ? `The session ended${reason}` : `${who} ended the session${reason}`,
    'chat.sent': `You sent a chat message${said}`,
    'chat.received': `${peer} sent a chat message${said}`,
    'audit.peer_checkpoint': `${peer}'s computer vouched for its own log of ${String(data.size)} lines (a signed checkpoint, kept here)`,
    'audit.peer_checkpoint_refused': `${peer}'s computer sent a log checkpoint that did not check out${reason}`,
  };
  if (fixed[line.event]) return fixed[line.event]!;
  const [scope, step] = line.event.split('.');
  // A certified helper's request to connect is their organisation's offer.
  if (line.event === 'connect.requested' && line.peer?.org) return `${who} offered to help`;
  const what = scope === 'connect' ? 'the connection' : scope!;
  if (step === 'requested') return `${who} asked ${scope === 'connect' ? 'to connect' : `for ${what}`}`;
  if (step === 'granted') return `${who} said yes to ${what}`;
  if (step === 'ended') return `${what[0]!.toUpperCase()}${what.slice(1)} ended${reason}`;
  return line.event;
}
