/**
 * A persistent raw-inflate stream. Each chunk is the next segment of the stream, ending in a sync flush,
 * and must inflate to exactly `expectedLength` bytes; otherwise the promise rejects, and the stream is
 * unusable until `reset()`. Calls must not overlap.
 */
export interface Inflater {
  inflate(chunk: Uint8Array<ArrayBuffer>, expectedLength: number): Promise<Uint8Array>;
  /** Drops the stream's history; the next chunk starts a new stream. */
  reset(): void;
}

/** Joins an inflater's output chunks; allocated only once output arrived, so a false length costs nothing. */
export function joinChunks(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
