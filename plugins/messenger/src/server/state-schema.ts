import type { InviteRecord, RelationRecord, TokenRecord, UserRecord } from './store.js';

/** What `<data>/state.json` holds. */
export interface StateFile {
  readonly format: 'ra-messenger-state';
  readonly version: 1;
  readonly users: UserRecord[];
  /** SHA-256 of the token (base64url) → its device. */
  readonly tokens: Record<string, TokenRecord>;
  readonly relations: Record<string, Record<string, RelationRecord>>;
  readonly invites: InviteRecord[];
}

const NAME = { type: 'string', pattern: '^[a-z0-9._-]{3,32}$' };
const TIME = { type: 'integer', minimum: 0 };
const STATES = ['sent', 'delivered', 'accepted', 'declined', 'cancelled', 'expired'];

export const STATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'version', 'users', 'tokens', 'relations', 'invites'],
  properties: {
    format: { const: 'ra-messenger-state' },
    version: { const: 1 },
    users: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'displayName', 'hash', 'created'],
        properties: { name: NAME, displayName: { type: 'string' }, hash: { type: 'string' }, created: TIME },
      },
    },
    tokens: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['user', 'device', 'created', 'lastSeen'],
        properties: { user: NAME, device: { type: 'string' }, created: TIME, lastSeen: TIME },
      },
    },
    relations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: { state: { enum: ['mutual', 'asked', 'asking'] }, blocked: { type: 'boolean' } },
        },
      },
    },
    invites: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'invitationId', 'from', 'to', 'ticket', 'message', 'expiresAt', 'created', 'state'],
        properties: {
          id: { type: 'string' },
          invitationId: { type: 'string' },
          from: NAME,
          to: NAME,
          ticket: { type: 'string' },
          message: { type: 'string' },
          expiresAt: TIME,
          created: TIME,
          state: { enum: STATES },
        },
      },
    },
  },
};
