import { compileSchema } from '@ra/kernel/node';
import { MAX_FRAME_BYTES, type ClientFrame } from '../common/protocol.js';
import { FrameError } from './errors.js';

/** A ticket's base64 is at most what fits in one frame beside the other fields. */
export const MAX_TICKET_CHARS = MAX_FRAME_BYTES - 4 * 1024;
export const MAX_MESSAGE_CHARS = 1000;

const text = (maxLength: number, minLength = 1) => ({ type: 'string', minLength, maxLength });
const ID = text(64);
const USER = text(64);
const CONTACT = { user: USER };

/** The fields of each client frame type besides `type` and `id`. */
const FIELDS: Readonly<Record<ClientFrame['type'], Record<string, object>>> = {
  register: { user: USER, displayName: text(200), password: text(1024, 0), device: ID },
  login: { user: USER, password: text(1024, 0), device: ID },
  hello: { token: text(128), device: ID, version: { type: 'integer', minimum: 0 } },
  logout: {},
  'password.change': { old: text(1024, 0), new: text(1024, 0) },
  'presence.set': { state: { enum: ['online', 'busy', 'away', 'appear-offline'] } },
  'contact.request': CONTACT,
  'contact.accept': CONTACT,
  'contact.decline': CONTACT,
  'contact.remove': CONTACT,
  'contact.block': CONTACT,
  'contact.unblock': CONTACT,
  'invite.send': {
    to: USER,
    invitationId: text(128),
    ticket: { type: 'string', minLength: 1, maxLength: MAX_TICKET_CHARS, pattern: '^[A-Za-z0-9+/]+={0,2}$' },
    message: text(MAX_MESSAGE_CHARS, 0),
    expiresAt: text(40),
  },
  'invite.received': { invite: ID },
  'invite.respond': { invite: ID, accept: { type: 'boolean' } },
  'invite.cancel': { invite: ID },
  'session.request': { to: USER, invitationId: text(128) },
};

const checks = new Map(
  Object.entries(FIELDS).map(([type, fields]) => [
    type,
    compileSchema<ClientFrame>(
      {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'id', ...Object.keys(fields)],
        properties: { type: { const: type }, id: ID, ...fields },
      },
      `the ${type} frame is malformed`,
    ),
  ]),
);

/** Types a client may send before it signs in. */
export const OPEN_TYPES: ReadonlySet<string> = new Set(['register', 'login', 'hello']);

/**
 * Parses one text frame. Throws FrameError `too-large`, `bad-frame` or `unknown-type`, carrying the
 * frame's `id` as `ref` when it has a usable one, so the client can match the answer.
 */
export function parseFrame(data: string): ClientFrame {
  if (Buffer.byteLength(data) > MAX_FRAME_BYTES) throw new RefError('too-large', `frames are at most ${MAX_FRAME_BYTES} bytes`, refOf(data));
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new RefError('bad-frame', 'a frame must be one JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RefError('bad-frame', 'a frame must be one JSON object');
  const { type, id } = value as { type?: unknown; id?: unknown };
  const ref = typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  if (typeof type !== 'string') throw new RefError('bad-frame', "a frame needs a string 'type'", ref);
  const check = checks.get(type);
  if (!check) throw new RefError('unknown-type', `this server does not know frames of type '${type.slice(0, 40)}'`, ref);
  try {
    return check(value);
  } catch (e) {
    throw new RefError('bad-frame', (e as Error).message, ref);
  }
}

/** A refused frame, with the id to answer to. */
export class RefError extends FrameError {
  constructor(
    code: FrameError['code'],
    message: string,
    readonly ref?: string,
  ) {
    super(code, message);
  }
}

/** The `id` of an oversized frame, when it leads the frame as clients write it: no parse of a large frame. */
function refOf(data: string): string | undefined {
  const head = data.slice(0, 200);
  return (/^\s*\{\s*"type"\s*:\s*"[^"]{0,40}"\s*,\s*"id"\s*:\s*"([^"\\]{1,64})"/.exec(head) ?? /^\s*\{\s*"id"\s*:\s*"([^"\\]{1,64})"/.exec(head))?.[1];
}
