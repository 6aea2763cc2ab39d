import type { AuditLine } from '../common/line.js';

/** A session's line as its people read it, from the side whose log it is; an event RA does not know shows by its name. */
export function lineText(line: AuditLine): string {
  const peer = line.peer?.name ?? 'the other side';
  const by = line.actor?.role === 'novice' ? 'the novice' : line.actor?.role === 'helper' ? 'the helper' : 'RA';
  const data = line.data ?? {};
  const reason = typeof data.reason === 'string' && data.reason ? `: ${data.reason}` : '';
  const [scope, step] = line.event.split('.');
  const fixed: Record<string, string> = {
    'session.connect_attempt': `${peer} connected and asked to be let in`,
    'session.opened': `The session with ${peer} opened`,
    'session.closed': `The session ended, by ${by}${reason}`,
    'chat.sent': `A chat message was sent${typeof data.text === 'string' ? `: “${data.text}”` : ''}`,
    'chat.received': `${peer} sent a chat message${typeof data.text === 'string' ? `: “${data.text}”` : ''}`,
    'audit.peer_checkpoint': `${peer}'s computer vouched for its own log of ${String(data.size)} lines (a signed checkpoint, kept here)`,
    'audit.peer_checkpoint_refused': `${peer}'s computer sent a log checkpoint that did not check out${reason}`,
  };
  if (fixed[line.event]) return fixed[line.event]!;
  const what = scope === 'connect' ? 'to connect' : scope;
  if (step === 'requested') return `${by === 'the novice' ? 'The novice' : 'The helper'} asked ${scope === 'connect' ? 'to connect' : `for ${what}`}`;
  if (step === 'granted') return `The novice said yes ${scope === 'connect' ? 'to the connection' : `to ${what}`}`;
  if (step === 'ended') return `${what[0]!.toUpperCase()}${what.slice(1)} ended${reason}`;
  return line.event;
}
