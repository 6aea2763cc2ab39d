import type { KeyInput, PointerInput } from './api.js';
import type { ControlPhase } from './control-state.js';

/**
 * The `control` channel's messages, JSON text. Helper → novice: request, stop, and input events.
 * Novice → helper: the control status (the novice's side is the authority), and refusals.
 */
export type HelperMessage =
  | { readonly t: 'request' }
  | { readonly t: 'stop'; readonly cause: 'esc' | 'button' }
  | { readonly t: 'pointer'; readonly event: PointerInput }
  | { readonly t: 'key'; readonly event: KeyInput };

export type NoviceMessage = { readonly t: 'status'; readonly view: ControlStatus } | { readonly t: 'refused'; readonly message: string };

/** What both people's pages show about control in one session. */
export interface ControlStatus {
  readonly phase: ControlPhase;
  /** Why control cannot be asked for, when it cannot. */
  readonly unavailable?: string;
  /** The last change in words: who stopped it and how, or a refusal. */
  readonly note?: string;
  /** Helper input dropped because control was not shared, or because it came too fast. */
  readonly dropped: number;
  /** While a request waits: milliseconds, from when this status was sent, until the novice's Yes counts (the pause before control). */
  readonly yesInMs?: number;
  /** While shared: milliseconds, from when this status was sent, until control ends unless the novice extends it. */
  readonly endsInMs?: number;
  /** The novice is being asked whether to extend control. */
  readonly extendAsked?: boolean;
}

export interface ControlView extends ControlStatus {
  readonly sessionId: string;
  readonly role: 'novice' | 'helper';
  readonly peerName: string;
}

const POINTER_KINDS = new Set(['move', 'down', 'up', 'wheel']);
const BUTTONS = new Set(['left', 'middle', 'right']);

/** The control channel's frames are small JSON messages: a key, a pointer move, a status. */
export const MAX_CONTROL_FRAME_BYTES = 4096;

/** Parses a helper's message; undefined when it is not one, so the caller can count and drop it. */
export function parseHelperMessage(text: string): HelperMessage | undefined {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  if (m.t === 'request') return { t: 'request' };
  if (m.t === 'stop') return { t: 'stop', cause: m.cause === 'esc' ? 'esc' : 'button' };
  const e = m.event as Record<string, unknown> | undefined;
  if (typeof e !== 'object' || e === null) return undefined;
  if (m.t === 'pointer' && POINTER_KINDS.has(e.kind as string) && Number.isInteger(e.x) && Number.isInteger(e.y)) {
    if (e.button !== undefined && !BUTTONS.has(e.button as string)) return undefined;
    if (e.deltaY !== undefined && typeof e.deltaY !== 'number') return undefined;
    return { t: 'pointer', event: e as unknown as PointerInput };
  }
  if (
    m.t === 'key' &&
    (e.kind === 'down' || e.kind === 'up') &&
    typeof e.key === 'string' &&
    typeof e.code === 'string' &&
    e.key.length <= 32 &&
    e.code.length <= 32
  ) {
    return { t: 'key', event: { kind: e.kind, key: e.key, code: e.code } };
  }
  return undefined;
}

export function parseNoviceMessage(text: string): NoviceMessage | undefined {
  try {
    const m = JSON.parse(text) as NoviceMessage;
    if (m.t === 'status' && typeof m.view?.phase === 'string') return m;
    if (m.t === 'refused' && typeof m.message === 'string') return m;
  } catch {
    // fall through: not a message of ours
  }
  return undefined;
}
