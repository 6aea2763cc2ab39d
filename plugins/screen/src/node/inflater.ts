import { constants, createInflateRaw, type InflateRaw } from 'node:zlib';
import { joinChunks, type Inflater } from '../common/inflater.js';

interface Job {
  readonly expected: number;
  readonly chunks: Uint8Array[];
  filled: number;
  fail(error: Error): void;
}

/** Inflater on Node's zlib: one InflateRaw kept across chunks. */
export class NodeInflater implements Inflater {
  #stream?: InflateRaw;
  #job?: Job;

  inflate(chunk: Uint8Array, expectedLength: number): Promise<Uint8Array> {
    const stream = (this.#stream ??= this.#open());
    return new Promise((resolve, reject) => {
      const job: Job = {
        expected: expectedLength,
        chunks: [],
        filled: 0,
        fail: (error) => {
          this.#job = undefined;
          if (this.#stream === stream) this.#stream = undefined;
          stream.destroy();
          reject(error);
        },
      };
      this.#job = job;
      stream.write(chunk);
      stream.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.#job !== job) return;
        this.#job = undefined;
        if (job.filled === expectedLength) resolve(joinChunks(job.chunks, expectedLength));
        else job.fail(new Error(`inflated ${job.filled} bytes, expected ${expectedLength}`));
      });
    });
  }

  reset(): void {
    this.#job?.fail(new Error('inflater reset'));
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  #open(): InflateRaw {
    const stream = createInflateRaw();
    stream.on('data', (data: Buffer) => {
      const job = this.#job;
      if (!job || this.#stream !== stream) return;
      if (job.filled + data.length > job.expected) return job.fail(new Error(`inflated more than the expected ${job.expected} bytes`));
      job.chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.length));
      job.filled += data.length;
    });
    stream.on('error', (error: Error) => {
      if (this.#stream === stream) this.#job?.fail(error);
    });
    return stream;
  }
}
