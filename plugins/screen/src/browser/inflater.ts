import { joinChunks, type Inflater } from '../common/inflater.js';

type Read = ReadableStreamReadResult<Uint8Array>;

interface Pipe {
  readonly writer: WritableStreamDefaultWriter<BufferSource>;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** A read issued but not yet used; the next call takes it, so no output is lost. */
  pending?: Promise<Read>;
}

const STALLED = Symbol('stalled');

/**
 * Inflater on the web's DecompressionStream('deflate-raw'), one stream kept across chunks. The stream
 * does not say where a chunk's output ends, so we read until `expectedLength` bytes arrived. Too much
 * output shows as a chunk that overshoots or is already queued once the count is met; too little as no
 * output for `stallMs` (never waited for on a well-formed stream).
 */
export class StreamInflater implements Inflater {
  #pipe?: Pipe;

  constructor(private readonly stallMs = 2000) {}

  async inflate(chunk: Uint8Array<ArrayBuffer>, expectedLength: number): Promise<Uint8Array> {
    const pipe = (this.#pipe ??= open());
    // Errors of a broken stream surface through read() too.
    pipe.writer.write(chunk).catch(() => undefined);
    const chunks: Uint8Array[] = [];
    let filled = 0;
    while (filled < expectedLength) {
      const result = await this.#read(pipe);
      if (result === STALLED) throw new Error(`inflated ${filled} bytes, expected ${expectedLength}`);
      if (result.done) throw new Error('the inflate stream ended');
      if (filled + result.value.length > expectedLength) throw new Error(`inflated more than the expected ${expectedLength} bytes`);
      chunks.push(result.value);
      filled += result.value.length;
    }
    // A read of an already queued chunk settles at once, before this marker.
    pipe.pending = pipe.reader.read();
    if ((await Promise.race([pipe.pending, Promise.resolve(STALLED)])) !== STALLED) {
      throw new Error(`inflated more than the expected ${expectedLength} bytes`);
    }
    return joinChunks(chunks, expectedLength);
  }

  reset(): void {
    const pipe = this.#pipe;
    this.#pipe = undefined;
    if (!pipe) return;
    pipe.reader.cancel().catch(() => undefined);
    pipe.writer.abort().catch(() => undefined);
  }

  async #read(pipe: Pipe): Promise<Read | typeof STALLED> {
    const read = (pipe.pending ??= pipe.reader.read());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<typeof STALLED>((resolve) => (timer = setTimeout(() => resolve(STALLED), this.stallMs)));
    try {
      const result = await Promise.race([read, stalled]);
      if (result !== STALLED) pipe.pending = undefined;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }
}

function open(): Pipe {
  const stream = new DecompressionStream('deflate-raw');
  const pipe: Pipe = { writer: stream.writable.getWriter(), reader: stream.readable.getReader() };
  pipe.writer.closed.catch(() => undefined);
  pipe.reader.closed.catch(() => undefined);
  return pipe;
}
