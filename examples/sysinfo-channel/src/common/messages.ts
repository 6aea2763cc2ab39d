/** The helper asks; the novice's computer answers with the facts, or with a no. */
export type SysinfoMessage = { readonly t: 'ask' } | { readonly t: 'info'; readonly info: SystemInfo } | { readonly t: 'declined'; readonly reason: string };

export interface SystemInfo {
  readonly system: string;
  readonly architecture: string;
  readonly processors: number;
  readonly memoryMiB: number;
  readonly freeMemoryMiB: number;
  readonly uptimeHours: number;
}

/** The channel's own frame limit: a handful of facts as JSON. */
export const MAX_FRAME_BYTES = 2048;

/** A peer's frame, or undefined when it is not one of ours. */
export function parseMessage(payload: string | Uint8Array): SysinfoMessage | undefined {
  if (typeof payload !== 'string' || payload.length > MAX_FRAME_BYTES) return undefined;
  try {
    const m = JSON.parse(payload) as SysinfoMessage;
    return m && (m.t === 'ask' || m.t === 'info' || m.t === 'declined') ? m : undefined;
  } catch {
    return undefined;
  }
}
