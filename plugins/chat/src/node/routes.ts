import { ApiError, type ApiRoute } from '@ra/kernel';
import type { ChatChannel } from './chat-channel.js';

/** The chat API, one factory per route so each can be bound to the plugin's one ChatChannel. */
export const CHAT_ROUTES: readonly ((chats: ChatChannel) => ApiRoute)[] = [
  (chats) => ({ id: 'chat-history', method: 'GET', path: '/api/chat/:sessionId', handle: (r) => chats.conversation(r.params.sessionId).history() }),
  (chats) => ({ id: 'chat-send', method: 'POST', path: '/api/chat/:sessionId', handle: (r) => chats.conversation(r.params.sessionId).send(textOf(r.body)) }),
];

function textOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'the request body must be a JSON object: {"text": "…"}');
  return (body as { text?: unknown }).text;
}
