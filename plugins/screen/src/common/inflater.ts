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
