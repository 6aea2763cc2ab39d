import type { CliContext } from '@ra/kernel';
import { deliveryText, ending, timesSent, pathText, type InvitationView, type SessionView } from '../common/views.js';

export function invitationTable(ctx: CliContext, invitations: readonly InvitationView[]): string {
  const rows = invitations.map((i) => [
    i.invitationId,
    i.status,
    i.noviceName,
    ctx.localTime(i.createdAt),
    i.status === 'open' ? ctx.localTime(i.expiresAt) : `ended ${ctx.localTime(i.endedAt ?? i.expiresAt)}`,
    i.passwordRequired ? 'yes' : 'no',
    `${i.failedAttempts}`,
    (i.delivery ? deliveryText(i.delivery) : '-') + timesSent(i.history),
  ]);
  return ctx.table([['INVITATION', 'STATUS', 'NAME', 'CREATED', 'EXPIRES/ENDED', 'PASSWORD', 'WRONG TRIES', 'DELIVERY'], ...rows]);
}

export function sessionTable(ctx: CliContext, sessions: readonly SessionView[]): string {
  const rows = sessions.map((s) => [
    s.id,
    s.role,
    s.peerName,
    s.reconnecting ? 'open, reconnecting' : s.state,
    s.safetyCode ?? '-',
    s.path ? pathText(s.path) : '-',
    ctx.localTime(s.startedAt),
    ending(s),
  ]);
  return ctx.table([['ID', 'ROLE', 'PEER', 'STATE', 'SAFETY CODE', 'PATH', 'STARTED', 'ENDED'], ...rows]);
}
