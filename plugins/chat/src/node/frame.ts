import { chatTextProblem, MAX_CHAT_CODE_POINTS } from './message-text.js';

/** What travels to the peer: only the id and the text. The receiver adds the name, role and time it knows itself. */
export interface MessageFrame {
  readonly id: string;
  readonly text: string;
}

/**
 * The channel's frame limit: room for the longest message with every character escaped as
 * `\uXXXX` (6 bytes, more than any code point's UTF-8), plus the envelope.
 */
export const MAX_FRAME_BYTES = 6 * MAX_CHAT_CODE_POINTS + 256;

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** Encodes a message as the JSON text frame `{"type":"message","id":…,"text":…}`. */
export function encodeMessage({ id, text }: MessageFrame): string {
  return JSON.stringify({ type: 'message', id, text });
}

/** Decodes a peer's frame; throws an Error saying what was wrong with it, for the log. */
export function decodeMessage(payload: string | Uint8Array): MessageFrame {
  if (typeof payload !== 'string') throw new Error(`a ${payload.length}-byte binary frame (chat frames are text)`);
  if (payload.length > MAX_FRAME_BYTES) throw new Error(`a ${payload.length}-character frame (at most ${MAX_FRAME_BYTES} bytes)`);
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw new Error('a frame that is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a frame that is not a JSON object');
  const { type, id, text } = value as Record<string, unknown>;
  if (type !== 'message') throw new Error(`a frame of unknown type '${String(type).slice(0, 40)}'`);
  if (typeof id !== 'string' || !ID.test(id)) throw new Error('a message without a valid id');
  const problem = chatTextProblem(text);
  if (problem) throw new Error(`a message that breaks the rules (${problem})`);
  return { id, text: text as string };
}
