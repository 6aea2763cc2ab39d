import { defineCommands, UsageError } from '@ra/kernel';
import type { AuditLine } from '../node/log/line.js';
import type { VerifyAnswer } from '../node/routes.js';

/** `ra audit verify` checks this computer's session log; `ra audit show [--session ID]` prints it. */
export default defineCommands({
  async audit(ctx) {
    const [verb, ...rest] = ctx.args;
    if (rest.length || (verb !== 'verify' && verb !== 'show')) throw new UsageError('ra audit takes verify, or show [--session ID]');
    const api = await ctx.api();
    if (verb === 'verify') {
      const answer = await api.call<VerifyAnswer>('GET', '/api/audit/verify');
      if (ctx.json) return ctx.printJson(answer);
      if (answer.ok)
        return ctx.print(`The session log is whole: ${answer.lines} lines, ${answer.checkpoints} signed checkpoints (key ${answer.fingerprint.slice(0, 16)}).`);
      const where = answer.line !== undefined ? `line ${answer.line}` : `checkpoint ${answer.checkpoint}`;
      throw new Error(`the session log was tampered with or damaged: ${where}: ${answer.reason}`);
    }
    const session = ctx.text('session');
    const records = await api.call<AuditLine[]>('GET', `/api/audit${session ? `?session=${encodeURIComponent(session)}` : ''}`);
    if (ctx.json) return ctx.printJson(records);
    if (!records.length) return ctx.print(session ? `Nothing in the log for session ${session}.` : 'The session log is empty.');
    ctx.print(ctx.table([['When', 'Session', 'Event', 'Who', 'Details'], ...records.map(row)]));
    function row(r: AuditLine): string[] {
      const who = [r.actor?.role, r.actor?.name && `“${r.actor.name}”`].filter(Boolean).join(' ');
      const peer = r.peer?.name ? `with “${r.peer.name}”` : '';
      const data = Object.entries(r.data ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      return [ctx.localTime(r.ts), r.session ?? '', r.event, who, [peer, ...data].filter(Boolean).join(' ')];
    }
  },
});
