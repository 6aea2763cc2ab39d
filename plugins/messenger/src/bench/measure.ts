import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** User + system CPU time of a process so far, in ms (from /proc, 10 ms ticks). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Fixed-size messages on a stream, whatever the chunking: byte 0 says ping (1) or echo (2), bytes 1–8
 * carry the sender's clock. The far end echoes pings; the near end records round trips of its own.
 */
export class Messenger {
  readonly rtts: number[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private waiter?: () => void;

  constructor(
    readonly stream: Duplex,
    private readonly size: number,
  ) {
    stream.on('data', (chunk: Buffer) => this.read(chunk));
    stream.on('error', () => undefined);
  }

  ping(): void {
    const message = Buffer.alloc(this.size);
    message[0] = 1;
    message.writeDoubleLE(performance.now(), 1);
    this.stream.write(message);
  }

  /** One ping, resolved when its echo is back. */
  roundTrip(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.ping();
    });
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= this.size) {
      const message = this.buffer.subarray(0, this.size);
      this.buffer = this.buffer.subarray(this.size);
      if (message[0] === 1) {
        const echo = Buffer.from(message);
        echo[0] = 2;
        this.stream.write(echo);
      } else {
        this.rtts.push(performance.now() - message.readDoubleLE(1));
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter?.();
      }
    }
  }
}

/** p50/p99 round trip (ms) of `count` pings, one at a time, after a warm-up. */
export async function roundTrips(a: Messenger, count: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await a.roundTrip();
  a.rtts.length = 0;
  for (let i = 0; i < count; i++) await a.roundTrip();
  return { p50: percentile(a.rtts, 50), p99: percentile(a.rtts, 99) };
}

/** MB/s of `bytes` written to `from` in 64 KiB chunks (minding backpressure) until `to` read them all. */
export async function throughput(from: Duplex, to: Duplex, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let got = 0;
  const started = performance.now();
  const received = new Promise<void>((resolve) =>
    to.on('data', (data: Buffer) => {
      got += data.length;
      if (got >= bytes) resolve();
    }),
  );
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!from.write(chunk)) await new Promise((resolve) => from.once('drain', resolve));
  }
  await received;
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}
