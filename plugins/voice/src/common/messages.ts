import { cleanText } from '@ra/plugin-session/api';
import { opusSamples } from './ogg.js';

/**
 * What the `voice` channel carries. Text frames are JSON: between the two RAs (ask, answer, stop, mute, state), from
 * a page to its RA (start, answer, stop, mute, hello, trouble), and from an RA to its pages (the view). Binary
 * frames are audio: one bare Opus packet, whose TOC byte says how long it plays (every byte counts 100 times a
 * second). Browser-safe.
 */

/** The largest voice frame: an Opus packet is at most 1275 bytes; a message far less. */
export const MAX_VOICE_FRAME_BYTES = 2048;
const MAX_OPUS_PACKET = 1275;
const MAX_TEXT = 300;

export type Profile = 'standard' | 'low-bandwidth';

/** How a page encodes: opus-recorder's options, from this side's settings. */
export interface Encoding {
  readonly frameMs: 10 | 20;
  readonly sampleRate: 48_000 | 16_000;
  /** 2051: restricted low delay (2.5 ms lookahead); 2048: voice. */
  readonly application: 2051 | 2048;
  readonly bitrate: number;
  /** Echo cancellation, noise suppression and gain control, from the browser. */
  readonly processing: boolean;
}

export function encoding(profile: Profile, bitrate: number, processing: boolean): Encoding {
  return profile === 'low-bandwidth'
    ? { frameMs: 20, sampleRate: 16_000, application: 2048, bitrate: Math.min(bitrate, 16_000), processing }
    : { frameMs: 10, sampleRate: 48_000, application: 2051, bitrate, processing };
}

/** Between the two RAs. */
export type PeerMessage =
  | { t: 'ask' }
  | { t: 'answer'; yes: boolean; why?: string }
  | { t: 'stop'; why?: string }
  | { t: 'mute'; muted: boolean }
  /** This side's microphone failed ("no microphone was found"): the other side knows why it hears nothing. */
  | { t: 'trouble'; what: string }
  /** Whether this side can talk at all, told at the start and whenever it changes. */
  | { t: 'state'; unavailable?: string };

/** From a page to its RA. `trouble`: the page's microphone or speakers failed; the peer is told. */
export type PageCommand =
  { t: 'hello' } | { t: 'start' } | { t: 'answer'; yes: boolean } | { t: 'stop' } | { t: 'mute'; muted: boolean } | { t: 'trouble'; what: string };

export type Phase = 'idle' | 'asking' | 'asked' | 'talking';

/** What a console shows, from its RA. */
export interface VoiceView {
  readonly t: 'view';
  readonly phase: Phase;
  readonly peerName: string;
  readonly muted: boolean;
  readonly peerMuted: boolean;
  /** Why this side cannot Start Talking now (the policy, a setting, the other side's). */
  readonly unavailable?: string;
  /** The last thing worth saying: "Nora said no", "Nora's microphone is not working: …". */
  readonly note?: string;
  readonly encoding: Encoding;
}

/** A peer's or a page's text frame, checked; undefined when it is not one of `kinds`. */
export function parseMessage<M extends { t: string }>(payload: string, kinds: readonly M['t'][]): M | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.t !== 'string' || !kinds.includes(m.t)) return undefined;
  for (const key of ['why', 'unavailable', 'what'] as const) {
    if (m[key] === undefined) continue;
    if (typeof m[key] !== 'string') return undefined;
    m[key] = cleanText(m[key], MAX_TEXT);
  }
  for (const key of ['yes', 'muted'] as const) if (m[key] !== undefined && typeof m[key] !== 'boolean') return undefined;
  if ((m.t === 'answer' && typeof m.yes !== 'boolean') || (m.t === 'mute' && typeof m.muted !== 'boolean')) return undefined;
  if (m.t === 'trouble' && typeof m.what !== 'string') return undefined;
  return m as M;
}

export const PEER_MESSAGES: readonly PeerMessage['t'][] = ['ask', 'answer', 'stop', 'mute', 'trouble', 'state'];
export const PAGE_COMMANDS: readonly PageCommand['t'][] = ['hello', 'start', 'answer', 'stop', 'mute', 'trouble'];

/** Whether a binary frame can be audio: an Opus packet of 1 to 1275 bytes whose TOC byte gives its length. */
export function isAudio(frame: Uint8Array): boolean {
  return frame.length >= 1 && frame.length <= MAX_OPUS_PACKET && opusSamples(frame) > 0;
}
