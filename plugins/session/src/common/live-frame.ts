/**
 * Channel frames between the local UI and its RA on the live socket, binary:
 * u8 session-id length, session id, u8 channel-id length, channel id, u8 0 = text / 1 = bytes, payload.
 */
export interface LiveFrame {
  readonly sessionId: string;
  readonly channel: string;
  readonly payload: string | Uint8Array;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

export function encodeLiveFrame({ sessionId, channel, payload }: LiveFrame): Uint8Array {
  const s = utf8.encode(sessionId);
  const c = utf8.encode(channel);
  const body = typeof payload === 'string' ? utf8.encode(payload) : payload;
  if (s.length > 255 || c.length > 255) throw new Error('session or channel id longer than 255 bytes');
  const out = new Uint8Array(3 + s.length + c.length + body.length);
  out[0] = s.length;
  out.set(s, 1);
  out[1 + s.length] = c.length;
  out.set(c, 2 + s.length);
  out[2 + s.length + c.length] = typeof payload === 'string' ? 0 : 1;
  out.set(body, 3 + s.length + c.length);
  return out;
}

/** Undefined for a frame that does not parse; the caller drops it and says so. */
export function decodeLiveFrame(data: Uint8Array): LiveFrame | undefined {
  const sl = data[0];
  if (sl === undefined || data.length < 3 + sl) return undefined;
  const cl = data[1 + sl];
  const at = 2 + sl + cl;
  if (!cl || data.length < at + 1 || data[at] > 1) return undefined;
  const body = data.subarray(at + 1);
  return {
    sessionId: text.decode(data.subarray(1, 1 + sl)),
    channel: text.decode(data.subarray(2 + sl, 2 + sl + cl)),
    payload: data[at] === 0 ? text.decode(body) : body,
  };
}
