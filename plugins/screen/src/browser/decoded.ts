import type { ScreenEvent } from '../common/decoder.js';

/**
 * The decoder worker's answer to one message, in the order the messages went: what it changed, with the pixels of an
 * update's areas (copyRects), or why it could not be decoded.
 */
export type DecodedReply =
  | { readonly event: ScreenEvent; readonly pixels?: Uint8ClampedArray<ArrayBuffer>; readonly complete: boolean; readonly exact: boolean }
  | { readonly error: string };
