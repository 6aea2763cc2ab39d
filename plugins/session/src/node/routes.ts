import { ApiError, type ApiRoute, type ApiRequest } from '@ra/kernel';
import type { SessionRuntime } from './runtime.js';
import { MAX_IDENTITY_CHARS } from './session/identity-bundle.js';

type Handler = (rt: SessionRuntime, request: ApiRequest) => unknown;

const table: [id: string, method: ApiRoute['method'], path: string, handle: Handler][] = [
  ['transports', 'GET', '/api/transports', (rt) => rt.invitations.offered()],
  ['transports-targets', 'GET', '/api/transports/:id/targets', (rt, r) => rt.invitations.targets(r.params.id)],
  ['invitations-list', 'GET', '/api/invitations', (rt, r) => rt.invitations.list(r.query.has('all'))],
  ['invitations-options', 'GET', '/api/invitations/options', (rt) => rt.invitations.options()],
  ['invitations-preview', 'POST', '/api/invitations/preview', (rt, r) => rt.preview(openRequest(r.body))],
  ['invitations-create', 'POST', '/api/invitations', (rt, r) => rt.invite(inviteRequest(r.body))],
  ['invitations-resend', 'POST', '/api/invitations/:id/resend', (rt, r) => rt.resend(r.params.id, resendRequest(r.body))],
  ['invitations-expire', 'POST', '/api/invitations/:id/expire', (rt, r) => rt.changeInvitation('expire', r.params.id)],
  ['invitations-delete', 'DELETE', '/api/invitations/:id', (rt, r) => rt.changeInvitation('delete', r.params.id)],
  ['sessions-list', 'GET', '/api/sessions', (rt) => rt.registry.list()],
  ['sessions-open', 'POST', '/api/sessions/open', (rt, r) => rt.open(openRequest(r.body))],
  ['sessions-offer', 'POST', '/api/sessions/offer', (rt, r) => rt.offer(offerRequest(r.body))],
  ['sessions-accept', 'POST', '/api/sessions/:id/accept', (rt, r) => rt.registry.accept(r.params.id)],
  ['sessions-decline', 'POST', '/api/sessions/:id/decline', (rt, r) => rt.registry.decline(r.params.id)],
  ['sessions-disconnect', 'POST', '/api/sessions/:id/disconnect', (rt, r) => rt.registry.disconnect(r.params.id)],
  ['sessions-revoke', 'POST', '/api/sessions/:id/revoke/:scope', (rt, r) => rt.registry.revoke(r.params.id, r.params.scope)],
];

export function apiRoutes(runtime: SessionRuntime): ApiRoute[] {
  return table.map(([id, method, path, handle]) => ({ id, method, path, handle: (request) => handle(runtime.ready(), request) }));
}

function body(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

function optionalText(b: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = b[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new ApiError(400, `'${field}' must be text of at most ${max} characters`);
  return value;
}

/** Where an invitation goes: its transport and that transport's target. */
function sendRequest(b: Record<string, unknown>) {
  const via = optionalText(b, 'via', 64);
  if (!via) throw new ApiError(400, "say how to send the invitation: 'via' is missing");
  return { via, target: optionalText(b, 'target', 4096) };
}

function resendRequest(value: unknown) {
  return sendRequest(body(value));
}

function inviteRequest(value: unknown) {
  const b = body(value);
  return {
    ...sendRequest(b),
    password: optionalText(b, 'password', 256),
    noPassword: b.noPassword === true,
    expires: optionalText(b, 'expires', 16),
    name: optionalText(b, 'name', 64),
    message: optionalText(b, 'message', 1000),
  };
}

function openRequest(value: unknown) {
  const b = body(value);
  return {
    invitation: optionalText(b, 'invitation', 256 * 1024),
    via: optionalText(b, 'via', 64),
    source: optionalText(b, 'source', 4096),
    password: optionalText(b, 'password', 256) ?? '',
    helperName: optionalText(b, 'helperName', 64),
  };
}

function offerRequest(value: unknown) {
  const b = body(value);
  const address = optionalText(b, 'address', 255);
  const identity = optionalText(b, 'identity', MAX_IDENTITY_CHARS);
  if (!address) throw new ApiError(400, "say whom to offer help to: 'address' (host, host:port or messenger://user@server) is missing");
  if (!identity) throw new ApiError(400, "give your helper certificate: 'identity' (the file ra ca issue-helper wrote) is missing");
  return { address, identity };
}

export type OpenRequest = ReturnType<typeof openRequest>;
