/**
 * Frames on the session's TLS stream: u32 big-endian length, then a kind byte, then the body.
 * Control frames carry JSON; channel frames carry a channel id and a payload for that channel.
 */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;
/** Until the session opens only small handshake messages are due: nobody unproven may make RA buffer 32 MiB. */
export const HANDSHAKE_FRAME_BYTES = 64 * 1024;

export const enum FrameKind {
  Control = 0,
  ChannelText = 1,
  ChannelBinary = 2,
  /** A media channel's media (voice): neither numbered nor kept for a resume, since late audio is worse than none. */
  LiveText = 3,
  LiveBinary = 4,
}

type ChannelKind = FrameKind.ChannelText | FrameKind.ChannelBinary | FrameKind.LiveText | FrameKind.LiveBinary;

/** A decoded frame; `size` is its length on the wire, which bounds what waiting frames may hold. */
export type Frame = FrameBody & { readonly size: number };

type FrameBody =
  | { readonly kind: FrameKind.Control; readonly message: Readonly<Record<string, unknown>> }
  | { readonly kind: ChannelKind; readonly channel: string; readonly payload: string | Uint8Array };

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export function encodeControl(message: Record<string, unknown>): Buffer {
  return frame(FrameKind.Control, Buffer.from(JSON.stringify(message)));
}

/** `live`: a media channel's frame, which the peer neither counts nor acknowledges. */
export function encodeChannel(channel: string, payload: string | Uint8Array, live = false): Buffer {
  const id = Buffer.from(channel);
  if (id.length === 0 || id.length > 255) throw new ProtocolError(`channel id '${channel}' must be 1 to 255 bytes`);
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(1 + id.length);
  head[0] = id.length;
  id.copy(head, 1);
  const text = typeof payload === 'string';
  const kind = live ? (text ? FrameKind.LiveText : FrameKind.LiveBinary) : text ? FrameKind.ChannelText : FrameKind.ChannelBinary;
  return frame(kind, Buffer.concat([head, body]));
}

function frame(kind: FrameKind, body: Uint8Array): Buffer {
  if (body.length + 1 > MAX_FRAME_BYTES) throw new ProtocolError(`frame of ${body.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length + 1, 0);
  head[4] = kind;
  return Buffer.concat([head, body]);
}

/** Reassembles frames from stream chunks; throws ProtocolError on the first malformed frame. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** The largest frame accepted now; raised once the session opens. */
  limit = HANDSHAKE_FRAME_BYTES;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const frames: Frame[] = [];
    while (this.size >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length === 0 || length > this.limit) throw new ProtocolError(`malformed frame: length ${length} is outside 1..${this.limit}`);
      if (this.size < 4 + length) break;
      const whole = this.take(4 + length);
      frames.push(decode(whole.subarray(4), 4 + length));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.size -= n;
    return all.subarray(0, n);
  }
}

/** Whether a frame is a media channel's: not numbered, not kept. */
export function isLive(frame: Frame): boolean {
  return frame.kind === FrameKind.LiveText || frame.kind === FrameKind.LiveBinary;
}

function decode(body: Buffer, size: number): Frame {
  const kind = body[0];
  if (kind === FrameKind.Control) return { kind, message: parseControl(body.subarray(1)), size };
  if (kind >= FrameKind.ChannelText && kind <= FrameKind.LiveBinary) {
    const idLength = body[1];
    if (!idLength || body.length < 2 + idLength) throw new ProtocolError('malformed frame: channel id is missing or truncated');
    const channel = body.subarray(2, 2 + idLength).toString('utf8');
    const rest = body.subarray(2 + idLength);
    const text = kind === FrameKind.ChannelText || kind === FrameKind.LiveText;
    return { kind: kind as ChannelKind, channel, payload: text ? rest.toString('utf8') : new Uint8Array(rest), size };
  }
  throw new ProtocolError(`malformed frame: unknown kind ${kind}`);
}

function parseControl(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProtocolError('malformed frame: control message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { t?: unknown }).t !== 'string') {
    throw new ProtocolError('malformed frame: control message has no type');
  }
  return value as Record<string, unknown>;
}
