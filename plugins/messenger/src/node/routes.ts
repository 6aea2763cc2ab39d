import { ApiError, RaError, type ApiRequest, type ApiRoute, type ApiSocket, type UiSocket } from '@ra/kernel';
import { CONTACT_VERBS, MESSENGER_LIVE_PATH, type ContactVerb, type MessengerChange, type OfferView } from '../common/api.js';
import { normaliseUser, type ErrorCode, type OwnPresence } from '../common/protocol.js';
import type { MessengerClient } from './client.js';
import { MessengerError } from './link.js';
import { NetworkError, TrustError } from './secure-socket.js';

const PRESENCE: readonly OwnPresence[] = ['online', 'busy', 'away', 'appear-offline'];
const CONTACT_FRAME = {
  add: 'contact.request',
  accept: 'contact.accept',
  decline: 'contact.decline',
  remove: 'contact.remove',
  block: 'contact.block',
  unblock: 'contact.unblock',
} as const satisfies Record<ContactVerb, string>;

/** A page that far behind is cut off; it reads the views again when it reconnects. */
const MAX_BUFFERED = 1024 * 1024;

type Handler = (c: MessengerClient, r: ApiRequest) => unknown;

const TABLE: readonly (readonly [id: string, method: ApiRoute['method'], path: string, handle: Handler])[] = [
  ['messenger-status', 'GET', '/api/messenger', (c) => c.status()],
  ['messenger-register', 'POST', '/api/messenger/register', (c, r) => c.signIn(signIn(r.body, true))],
  ['messenger-login', 'POST', '/api/messenger/login', (c, r) => c.signIn(signIn(r.body, false))],
  ['messenger-logout', 'POST', '/api/messenger/logout', (c) => c.signOut()],
  ['messenger-presence', 'POST', '/api/messenger/presence', (c, r) => c.setPresence(presence(r.body))],
  ['messenger-contacts', 'GET', '/api/messenger/contacts', (c) => c.contacts()],
  ['messenger-contact', 'POST', '/api/messenger/contacts/:verb', (c, r) => contact(c, r)],
  ['messenger-offers', 'GET', '/api/messenger/offers', (c) => c.roster.offerList()],
  ['messenger-offer', 'POST', '/api/messenger/offers/:invite/:verb', (c, r) => answer(c, r)],
];

/** The ids the manifest lists under `ApiRoute`. */
export const ROUTE_IDS: readonly string[] = TABLE.map(([id]) => id);

/** The client's local API, `/api/messenger…`, as docs/messenger.md tables it. */
export function messengerRoutes(client: MessengerClient): ApiRoute[] {
  return TABLE.map(([id, method, path, handle]) => ({
    id,
    method,
    path,
    handle: async (request) => {
      try {
        return await handle(client, request);
      } catch (e) {
        throw asApiError(e);
      }
    },
  }));
}

/** `messenger-live`: `{type:'changed', what}` whenever the status, the contacts or the offers change. */
export function messengerLive(client: MessengerClient): ApiSocket {
  return {
    id: 'messenger-live',
    path: MESSENGER_LIVE_PATH,
    connect(socket: UiSocket) {
      const subscription = client.onChange((what) => {
        if (socket.buffered > MAX_BUFFERED) socket.close('the page fell too far behind');
        else socket.send(JSON.stringify({ type: 'changed', what } satisfies MessengerChange));
      });
      socket.onClose(() => subscription.dispose());
    },
  };
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  'bad-credentials': 401,
  'bad-token': 401,
  'not-signed-in': 401,
  'registration-closed': 403,
  'user-taken': 409,
  'weak-password': 400,
  'rate-limited': 429,
  'not-contact': 409,
  'recipient-offline': 409,
  'novice-offline': 409,
  'unknown-invite': 404,
  'invite-closed': 409,
  expired: 410,
  busy: 503,
};

/** The server's refusals keep their words; an unreachable or untrusted server is the gateway's fault, not the request's. */
export function asApiError(e: unknown): unknown {
  if (e instanceof RaError) return e;
  if (e instanceof MessengerError) return new ApiError(STATUS[e.code] ?? 502, e.message);
  if (e instanceof NetworkError || e instanceof TrustError) return new ApiError(e instanceof TrustError ? 502 : 503, e.message);
  return e;
}

function object(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

function text(b: Record<string, unknown>, field: string, max: number, required = false): string | undefined {
  const value = b[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new ApiError(400, `'${field}' is missing`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length > max) throw new ApiError(400, `'${field}' must be text of at most ${max} characters`);
  return value;
}

function signIn(body: unknown, register: boolean) {
  const b = object(body);
  const displayName = register ? text(b, 'displayName', 64)?.trim() || text(b, 'user', 64, true)! : undefined;
  return {
    server: text(b, 'server', 600),
    fingerprint: text(b, 'fingerprint', 200),
    caFile: text(b, 'caFile', 4096),
    user: text(b, 'user', 64, true)!,
    password: text(b, 'password', 256, true)!,
    ...(displayName ? { register: { displayName } } : {}),
  };
}

function presence(body: unknown): OwnPresence {
  const state = object(body).state;
  if (!PRESENCE.includes(state as OwnPresence)) throw new ApiError(400, `'state' must be one of ${PRESENCE.join(', ')}`);
  return state as OwnPresence;
}

async function contact(client: MessengerClient, r: ApiRequest) {
  const verb = r.params.verb as ContactVerb;
  if (!CONTACT_VERBS.includes(verb)) throw new ApiError(404, `no contact verb '${r.params.verb}': use one of ${CONTACT_VERBS.join(', ')}`);
  const user = normaliseUser(text(object(r.body), 'user', 64, true)!);
  if (user === client.user) throw new ApiError(400, 'that is your own user name');
  await client.request({ type: CONTACT_FRAME[verb], user });
  return client.contacts();
}

async function answer(client: MessengerClient, r: ApiRequest): Promise<OfferView> {
  const { invite, verb } = r.params;
  if (verb !== 'accept' && verb !== 'decline') throw new ApiError(404, `no offer verb '${verb}': use accept or decline`);
  const offer = client.roster.offerList().find((o) => o.invite === invite);
  if (!offer) throw new ApiError(404, `no invitation '${invite}' was offered to you`);
  if (offer.state !== 'open') throw new ApiError(409, `the invitation from ${offer.fromName} is ${offer.state}${offer.reason ? `: ${offer.reason}` : ''}`);
  await client.request({ type: 'invite.respond', invite, accept: verb === 'accept' });
  client.roster.answered(invite, verb === 'accept');
  return client.roster.offerList().find((o) => o.invite === invite)!;
}
