import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ApiClient } from './api-client.js';
import { CliError } from './cli-error.js';
import { describeSession, invitationTable, localTime, sessionTable } from './format.js';
import type { InvitationView, InviteResult, SessionView } from './views.js';

/** The CLI's side of the local API: each command is one call and a line or a table. */
const print = (text: string) => void process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

export interface InviteOptions {
  readonly via: string;
  readonly out?: string;
  readonly password?: string;
  readonly expires?: string;
  readonly name?: string;
  readonly message?: string;
}

/** `ra invite`: creates an invitation and hands it to a transport; a file target is made absolute for the host. */
export async function invite(api: ApiClient, o: InviteOptions, json: boolean): Promise<void> {
  const target = o.out === undefined ? '' : o.via === 'file' ? resolve(o.out) : o.out;
  const body = { via: o.via, target, password: o.password, expires: o.expires, name: o.name, message: o.message };
  const result = await api.call<InviteResult>('POST', '/api/invitations', body);
  if (json) return printJson(result);
  const { invitation: i, receipt } = result;
  const where = o.via === 'file' ? 'saved to' : `sent by ${o.via} to`;
  const password = i.passwordRequired ? 'password required' : 'no password';
  print(`Invitation ${i.ticketId} ${where} ${receipt.target}; expires ${localTime(i.expiresAt)}; ${password}`);
}

/** `ra invitations [list|expire ID|delete ID]`. */
export async function invitations(api: ApiClient, action: string, id: string | undefined, json: boolean): Promise<void> {
  if (action === 'list') {
    const list = await api.call<InvitationView[]>('GET', '/api/invitations');
    if (json) return printJson(list);
    return print(list.length ? invitationTable(list) : 'No invitations yet; create one with `ra invite`');
  }
  const path = `/api/invitations/${encodeURIComponent(id!)}`;
  const result = action === 'expire' ? await api.call('POST', `${path}/expire`) : await api.call('DELETE', path);
  if (json) return printJson(result);
  print(`Invitation ${id} ${action === 'expire' ? 'expired' : 'deleted'}`);
}

/** `ra sessions [list|accept ID|decline ID|disconnect ID]`. */
export async function sessions(api: ApiClient, action: string, id: string | undefined, json: boolean): Promise<void> {
  if (action === 'list') {
    const list = await api.call<SessionView[]>('GET', '/api/sessions');
    if (json) return printJson(list);
    return print(list.length ? sessionTable(list) : 'No sessions');
  }
  const view = await api.call<SessionView>('POST', `/api/sessions/${encodeURIComponent(id!)}/${action}`);
  print(json ? JSON.stringify(view, null, 2) : describeSession(view));
}

/** `POST /api/chat/:sessionId`: one message, as this side recorded it. */
interface ChatMessageView {
  readonly from: string;
  readonly text: string;
  readonly sentAt: string;
}

/** `ra chat SESSION TEXT`: sends one chat message in an open session through the running RA. */
export async function chat(api: ApiClient, id: string, text: string, json: boolean): Promise<void> {
  const message = await api.call<ChatMessageView>('POST', `/api/chat/${encodeURIComponent(id)}`, { text });
  print(json ? JSON.stringify(message, null, 2) : `Sent at ${localTime(message.sentAt)} as ${message.from}`);
}

export interface OpenOptions {
  readonly password?: string;
  readonly name?: string;
}

/** The body of `POST /api/sessions/open` for an invitation file, checked here so a typo fails plainly. */
export async function openRequest(file: string, o: OpenOptions): Promise<Record<string, unknown>> {
  const source = resolve(file);
  await access(source).catch(() => {
    throw new CliError(`cannot read the invitation ${source}: no such file`);
  });
  return { via: 'file', source, password: o.password, helperName: o.name };
}

/** `ra open FILE`: the running host connects to the novice; the session goes on there. */
export async function open(api: ApiClient, file: string, o: OpenOptions, json: boolean): Promise<void> {
  const view = await api.call<SessionView>('POST', '/api/sessions/open', await openRequest(file, o));
  if (json) return printJson(view);
  print(describeSession(view));
  if (view.state !== 'ended') print('Follow it with `ra sessions list`; the novice accepts once the safety codes match.');
}
