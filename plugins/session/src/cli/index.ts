import { resolve } from 'node:path';
import { defineCommands, UsageError, type ApiClient, type CliContext } from '@ra/kernel';
import { readSmallFile } from '@ra/kernel/node';
import { MAX_IDENTITY_CHARS } from '../node/session/identity-bundle.js';
import type { DeliveryReceipt } from '../common/api.js';
import { describeSession, ending, type InvitationView, type SessionView } from '../common/views.js';
import { invitationTable, sessionTable } from './format.js';

/** How often `ra open` looks at its session while it connects and waits for the novice's answer. */
const WATCH_MS = 250;

/** `ra invite`, `ra invitations`, `ra sessions` and `ra open`: each one call to the running RA and a line or a table. */
export default defineCommands({
  async invite(ctx) {
    if (ctx.args.length) throw new UsageError(`ra invite takes options only, not '${ctx.args[0]}'`);
    const { via, target } = destination(ctx, 'invite', 'file');
    const noPassword = ctx.options['no-password'] === true;
    const password = noPassword ? undefined : await ctx.password();
    if (noPassword && (ctx.options['password-file'] !== undefined || ctx.options['password-stdin'] !== undefined))
      throw new UsageError('ra invite takes a password or --no-password, not both');
    if (!password && !noPassword)
      throw new UsageError(
        'ra invite needs a password (--password-file FILE or --password-stdin), or --no-password to confirm that anyone who gets the file may ask to connect',
      );
    const body = { via, target, password, noPassword, expires: ctx.text('expires'), name: ctx.text('name'), message: ctx.text('message') };
    const result = await (await ctx.api()).call<Sent>('POST', '/api/invitations', body);
    if (ctx.json) return ctx.printJson(result);
    printSent(ctx, via, result);
  },

  async invitations(ctx) {
    const [verb, id] = action(ctx, 'invitations', ['list', 'resend', 'expire', 'delete']);
    const api = await ctx.api();
    if (verb === 'resend') return resend(ctx, api, id!);
    if (verb === 'list') {
      const list = await api.call<InvitationView[]>('GET', ctx.options.all === true ? '/api/invitations?all' : '/api/invitations');
      if (ctx.json) return ctx.printJson(list);
      return ctx.print(list.length ? invitationTable(ctx, list) : 'No invitations yet; create one with `ra invite`');
    }
    const path = `/api/invitations/${encodeURIComponent(id!)}`;
    const result = verb === 'expire' ? await api.call('POST', `${path}/expire`) : await api.call('DELETE', path);
    if (ctx.json) return ctx.printJson(result);
    ctx.print(`Invitation ${id} ${verb === 'expire' ? 'expired' : 'deleted'}`);
  },

  async sessions(ctx) {
    const [verb, id] = action(ctx, 'sessions', ['list', 'accept', 'decline', 'disconnect']);
    const api = await ctx.api();
    if (verb === 'list') {
      const list = await api.call<SessionView[]>('GET', '/api/sessions');
      if (ctx.json) return ctx.printJson(list);
      return ctx.print(list.length ? sessionTable(ctx, list) : 'No sessions');
    }
    const view = await api.call<SessionView>('POST', `/api/sessions/${encodeURIComponent(id!)}/${verb}`);
    return ctx.json ? ctx.printJson(view) : ctx.print(describeSession(view));
  },

  /**
   * Connects and waits for the novice's answer: exit 0 once the session is open (it runs on in the
   * running RA), exit 1 with the reason when it ends first (wrong password, locked, declined,
   * unreachable, the novice gone). Each new state is printed, the safety code as soon as it exists.
   */
  async open(ctx) {
    const body = await openRequest(ctx);
    const api = await ctx.api();
    const view = await watch(ctx, api, await api.call<SessionView>('POST', '/api/sessions/open', body));
    if (ctx.json) ctx.printJson(view);
    if (view.state === 'ended') throw new Error(`the session with ${view.peerName} did not open: ${ending(view) || 'it ended'}`);
    if (!ctx.json) ctx.print('Follow it in the web UI or with `ra sessions list`.');
  },

  /** Offer Remote Assistance: like `ra open`, with a helper certificate instead of an invitation and its password. */
  async offer(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('ra offer needs one computer: HOST, HOST:PORT or messenger://USER@SERVER');
    const file = ctx.text('identity');
    if (!file) throw new UsageError('ra offer needs --identity FILE: your helper certificate, as ra ca issue-helper wrote it');
    const identity = await readSmallFile(resolve(ctx.cwd, file), MAX_IDENTITY_CHARS).then(
      (b) => b.toString('utf8'),
      (e: NodeJS.ErrnoException) => {
        throw new Error(`cannot read your helper certificate ${file}: ${e.code === 'ENOENT' ? 'there is no such file' : e.message}`);
      },
    );
    const api = await ctx.api();
    const view = await watch(ctx, api, await api.call<SessionView>('POST', '/api/sessions/offer', { address: ctx.args[0], identity }));
    if (ctx.json) ctx.printJson(view);
    if (view.state === 'ended') throw new Error(`the offer to ${view.peerName} did not open a session: ${ending(view) || 'it ended'}`);
    if (!ctx.json) ctx.print('Follow it in the web UI or with `ra sessions list`.');
  },
});

/**
 * The body of `POST /api/sessions/open`: the source as the user gave it, a path made absolute when
 * it names a file here, so that whichever transport can receive it opens it in the running RA.
 */
async function openRequest(ctx: CliContext): Promise<Record<string, unknown>> {
  if (ctx.args.length !== 1)
    throw new UsageError(`ra ${ctx.args.length ? 'open takes one invitation' : 'open needs the invitation: a file, or an address a transport can open'}`);
  return { source: ctx.existingPath(ctx.args[0]), password: await ctx.password(), helperName: ctx.text('name') };
}

/** `--via` and its target: `--to` a recipient, or `--out` a file (made absolute here: the running RA has its own folder). */
function destination(ctx: CliContext, command: string, fallback?: string): { via: string; target: string } {
  const via = ctx.text('via') ?? fallback;
  if (!via) throw new UsageError(`ra ${command} needs --via: the transport to send it by`);
  const out = ctx.text('out');
  const to = ctx.text('to');
  if (via === 'file' && to !== undefined) throw new UsageError('--to names whom another transport sends to; a file goes where --out says');
  if (out !== undefined && to !== undefined) throw new UsageError(`ra ${command} takes --out (a file) or --to (a recipient), not both`);
  return { via, target: to ?? (out === undefined ? '' : via === 'file' ? resolve(ctx.cwd, out) : out) };
}

async function resend(ctx: CliContext, api: ApiClient, id: string): Promise<void> {
  const { via, target } = destination(ctx, 'invitations resend');
  const result = await api.call<Sent>('POST', `/api/invitations/${encodeURIComponent(id)}/resend`, { via, target });
  if (ctx.json) return ctx.printJson(result);
  printSent(ctx, via, result);
}

type Sent = { invitation: InvitationView; receipt: DeliveryReceipt };

function printSent(ctx: CliContext, via: string, { invitation: i, receipt }: Sent): void {
  const where = via === 'file' ? 'saved to' : `sent by ${via} to`;
  ctx.print(
    `Invitation ${i.invitationId} ${where} ${receipt.target}; expires ${ctx.localTime(i.expiresAt)}; ${i.passwordRequired ? 'password required' : 'NO PASSWORD: anyone who gets the file may ask to connect'}`,
  );
}

/** `list` (the default, no argument) or one of `verbs` with one id. */
function action(ctx: CliContext, command: string, verbs: string[]): [string, string | undefined] {
  const [verb = 'list', ...rest] = ctx.args;
  if (!verbs.includes(verb)) throw new UsageError(`ra ${command} has no '${verb}'; use ${verbs.join(', ')}`);
  if (verb === 'list' && rest.length) throw new UsageError(`ra ${command} list takes no arguments`);
  if (verb !== 'list' && ctx.options.all !== undefined) throw new UsageError(`--all goes with ra ${command} list`);
  if (verb !== 'list' && rest.length !== 1) throw new UsageError(`ra ${command} ${verb} takes one ${command.replace(/s$/, '')} id`);
  return [verb, rest[0]];
}

/** Prints each new state of the session until it is open or ended; the novice's answer may take minutes. */
async function watch(ctx: CliContext, api: ApiClient, first: SessionView): Promise<SessionView> {
  let view = first;
  let shown = '';
  for (;;) {
    const line = describeSession(view);
    if (!ctx.json && line !== shown && view.state !== 'ended') ctx.print((shown = line));
    if (view.state === 'open' || view.state === 'ended') return view;
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const now = (await api.call<SessionView[]>('GET', '/api/sessions')).find((s) => s.id === first.id);
    if (!now) throw new Error(`session ${first.id} is no longer listed by RA`);
    view = now;
  }
}
