import type { PluginRecord, PolicyState } from '@ra/kernel';
import type { InvitationView, SessionView } from './views.js';

/** Aligned columns for a terminal; the last column runs free. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (i === r.length - 1 ? 0 : r[i].length))));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

export function pluginTable(records: readonly PluginRecord[]): string {
  const rows = records.map((r) => [r.id, r.version, r.state, `${r.ms}`, r.errors ? `${r.reason} [${r.errors} errors]`.trim() : r.reason]);
  return table([['ID', 'VERSION', 'STATE', 'MS', 'REASON'], ...rows]);
}

export function policyLine(state: Omit<PolicyState, 'policy'>): string {
  if (state.origin === 'file') return `policy: ${state.path} (signature verified)`;
  if (state.origin === 'default') return `policy: defaults (${state.note})`;
  return `policy: REFUSED — ${state.note}`;
}

/** A moment in this machine's time zone, to the minute: `2025-03-01 14:05`. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export function invitationTable(invitations: readonly InvitationView[]): string {
  const rows = invitations.map((i) => [
    i.ticketId,
    i.status,
    i.noviceName,
    localTime(i.createdAt),
    localTime(i.expiresAt),
    i.passwordRequired ? 'yes' : 'no',
    `${i.failedAttempts}`,
  ]);
  return table([['TICKET', 'STATUS', 'NAME', 'CREATED', 'EXPIRES', 'PASSWORD', 'WRONG TRIES'], ...rows]);
}

export function sessionTable(sessions: readonly SessionView[]): string {
  const rows = sessions.map((s) => [s.id, s.role, s.peerName, s.state, s.safetyCode ?? '-', localTime(s.startedAt), ending(s)]);
  return table([['ID', 'ROLE', 'PEER', 'STATE', 'SAFETY CODE', 'STARTED', 'ENDED'], ...rows]);
}

/** One line about a session: `Session 4f2a with Ann: awaiting-consent; safety code 123456`. */
export function describeSession(s: SessionView): string {
  const code = s.safetyCode && s.state !== 'ended' ? `; safety code ${s.safetyCode}` : '';
  const end = s.state === 'ended' ? ` ${ending(s)}` : '';
  return `Session ${s.id} with ${s.peerName}: ${s.state}${end}${code}`;
}

function ending(s: SessionView): string {
  if (s.state !== 'ended') return '';
  return `${s.endedBy ? `by ${s.endedBy}` : ''}${s.reason ? `${s.endedBy ? ': ' : ''}${s.reason}` : ''}`;
}
