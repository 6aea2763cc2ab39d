import type { Inflater } from '../common/inflater.js';

type Read = ReadableStreamReadResult<Uint8Array>;

interface Pipe {
  readonly writer: WritableStreamDefaultWriter<BufferSource>;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** A read still waiting from an earlier call; reused so no output is lost. */
  pending?: Promise<Read>;
}

const SHORT = Symbol('short');

/**
 * Inflater on the web's DecompressionStream('deflate-raw'), one stream kept across chunks. The stream
 * does not say where a chunk's output ends, so we read until `expectedLength` bytes arrived; a chunk
 * whose write has completed while no further output follows within a macrotask inflated too little.
 */
export class StreamInflater implements Inflater {
  #pipe?: Pipe;

  async inflate(chunk: Uint8Array, expectedLength: number): Promise<Uint8Array> {
    const pipe = (this.#pipe ??= open());
    const out = new Uint8Array(expectedLength);
    let filled = 0;
    let written = false;
    const write = pipe.writer.write(chunk).then(
      () => void (written = true),
      () => void (written = true),
    );
    while (filled < expectedLength) {
      pipe.pending ??= pipe.reader.read();
      const result = await Promise.race([pipe.pending, written ? nextMacrotask() : write.then(nextMacrotask)]);
      if (result === SHORT) throw new Error(`inflated ${filled} bytes, expected ${expectedLength}`);
      pipe.pending = undefined;
      if (result.done) throw new Error('the inflate stream ended');
      if (filled + result.value.length > expectedLength) throw new Error(`inflated more than the expected ${expectedLength} bytes`);
      out.set(result.value, filled);
      filled += result.value.length;
    }
    await write;
    return out;
  }

  reset(): void {
    const pipe = this.#pipe;
    this.#pipe = undefined;
    if (!pipe) return;
    pipe.reader.cancel().catch(() => undefined);
    pipe.writer.abort().catch(() => undefined);
  }
}

function open(): Pipe {
  const stream = new DecompressionStream('deflate-raw');
  const pipe: Pipe = { writer: stream.writable.getWriter(), reader: stream.readable.getReader() };
  // A failed stream rejects these too; the caller sees the error through read() and resets.
  pipe.writer.closed.catch(() => undefined);
  pipe.reader.closed.catch(() => undefined);
  return pipe;
}

function nextMacrotask(): Promise<typeof SHORT> {
  return new Promise((resolve) => setTimeout(() => resolve(SHORT), 0));
}
