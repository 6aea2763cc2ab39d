import { resolve } from 'node:path';
import { defineCommands, UsageError } from '@ra/kernel';
import { within, writeFileAtomic } from '@ra/kernel/node';
import { describeSession, type SessionView } from '@ra/plugin-session/api';
import { RemoteScreen, type ScreenPicture } from '../common/api.js';
import { encodePng } from '../node/png.js';

/**
 * `ra snapshot SOURCE --out OUT.png`: a helper with no web UI and no RA running. Boots RA here as a
 * helper only, opens the session through the same API the page uses, saves the first complete
 * picture of the novice's screen and hangs up.
 */
export default defineCommands({
  async snapshot(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('ra snapshot takes one invitation: a file, or an address a transport opens');
    const out = ctx.text('out');
    if (out === undefined) throw new UsageError('ra snapshot needs --out FILE.png');
    const timeoutMs = parseTimeout(ctx.text('timeout') ?? '60s');
    const helper = await ctx.helper();
    const body = { source: ctx.existingPath(ctx.args[0]), password: await ctx.password(), helperName: ctx.text('name') };
    const session = await helper.api.call<SessionView>('POST', '/api/sessions/open', body);
    if (!ctx.json) ctx.print(describeSession(session));
    let picture: ScreenPicture;
    try {
      const late = `no picture within ${Math.round(timeoutMs / 1000)} s`;
      picture = await within(helper.get(RemoteScreen).firstFrame(session.id, timeoutMs), timeoutMs + 1000, late);
    } catch (e) {
      throw new Error(`no snapshot of session ${session.id}: ${(e as Error).message}`);
    } finally {
      await helper.api.call('POST', `/api/sessions/${encodeURIComponent(session.id)}/disconnect`).catch(() => undefined);
    }
    const path = resolve(ctx.cwd, out);
    await writeFileAtomic(path, encodePng(picture), 0o600);
    const saved = { path, width: picture.width, height: picture.height };
    if (ctx.json) return ctx.printJson({ session, snapshot: saved });
    ctx.print(`Saved the novice's screen (${picture.width}x${picture.height}) to ${path}`);
  },
});

/** `90`, `90s`, `2m` or `1500ms`, in milliseconds; plain numbers are seconds. At most an hour. */
export function parseTimeout(value: string): number {
  const match = /^(\d{1,7})(ms|s|m)?$/.exec(value);
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's']! : NaN;
  if (!(ms >= 1 && ms <= 3_600_000)) throw new UsageError(`--timeout must be a duration such as 60s or 2m, up to 1 hour, not '${value}'`);
  return ms;
}
