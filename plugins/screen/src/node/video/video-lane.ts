import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { ScreenGeometry } from '../../common/api.js';

/** An encode that takes longer than this means ffmpeg is stuck: the lane ends and the screen goes lossless. */
const ENCODE_TIMEOUT_MS = 5000;
const STDERR_KEEP = 2000;
const IVF_HEADER = 32;
const IVF_FRAME_HEADER = 12;
/** Encoders running at once on this machine: each holds ~180–270 MB at 1080p, so more helpers get exact pixels only. */
export const MAX_LANES = 2;
let running = 0;

/** VP9 profile 1 (4:4:4, so coloured text keeps its edges), realtime, every frame out at once, no key frames after the first. */
function ffmpegArgs({ width, height }: ScreenGeometry, crf: number): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-probesize', '32'],
    ...['-f', 'rawvideo', '-pix_fmt', 'bgr0', '-s', `${width}x${height}`, '-framerate', '30', '-i', 'pipe:0'],
    ...['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv444p', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-tile-columns', '2', '-threads', '2'],
    ...['-lag-in-frames', '0', '-error-resilient', '1', '-g', '1000000', '-crf', String(crf), '-b:v', '0', '-tune-content', 'screen'],
    ...['-fps_mode', 'passthrough', '-f', 'ivf', '-flush_packets', '1', 'pipe:1'],
  ];
}

let found: Promise<string | undefined> | undefined;

/**
 * One VP9 encoder for one screen stream: Debian's ffmpeg (libvpx) as a child process, fed whole BGRX frames on stdin
 * and read as IVF on stdout. A child process keeps a codec fault out of RA and runs on the other core. It starts with a
 * black frame (its one key frame: libvpx takes ~0.6 s to start at 1080p, so that is paid before anything waits for it).
 */
export class VideoLane {
  private buffered: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private waiting?: { resolve(frame: Uint8Array): void; reject(error: Error): void; timer: NodeJS.Timeout };
  private stderr = '';
  private ended?: string;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly geometry: ScreenGeometry,
    readonly crf: number,
  ) {
    running++;
    child.stdout.on('data', (chunk: Buffer) => this.read(chunk));
    child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_KEEP)));
    child.on('error', (e) => this.end(`ffmpeg could not run: ${e.message}`));
    child.on('exit', (code, signal) =>
      this.end(`ffmpeg stopped (${signal ?? `exit code ${code}`})${this.stderr ? `: ${this.stderr.trim().split('\n').pop()}` : ''}`),
    );
    child.stdin.on('error', () => undefined);
  }

  /** Undefined when ffmpeg with libvpx-vp9 is installed; otherwise why video is off. Asked once per process. */
  static unavailable(): Promise<string | undefined> {
    found ??= new Promise((resolve) => {
      const child = spawn('ffmpeg', ['-hide_banner', '-encoders'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', () => resolve('ffmpeg is not installed (Debian package ffmpeg)'));
      child.on('exit', () => resolve(out.includes('libvpx-vp9') ? undefined : 'this ffmpeg has no VP9 encoder (libvpx-vp9)'));
    });
    return found;
  }

  /** Starts ffmpeg for `geometry` and resolves with the lane and its key frame once that came out; `signal` stops it. */
  static async start(geometry: ScreenGeometry, crf: number, signal?: AbortSignal): Promise<{ lane: VideoLane; key: Uint8Array }> {
    if (running >= MAX_LANES) throw new Error(`${MAX_LANES} video encoders already run on this computer, each holding ~200 MB`);
    const lane = new VideoLane(spawn('ffmpeg', ffmpegArgs(geometry, crf), { stdio: 'pipe' }), geometry, crf);
    // Aborted: stopped at once, so its place under MAX_LANES is free for the caller's next start.
    signal?.addEventListener('abort', () => lane.dispose(), { once: true });
    try {
      return { lane, key: await lane.encode(Buffer.alloc(geometry.width * geometry.height * 4)) };
    } catch (e) {
      lane.dispose();
      throw e;
    }
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  get busy(): boolean {
    return this.waiting !== undefined;
  }

  /** Encodes one whole BGRX frame, which must stay unchanged until this settles; one at a time. */
  encode(frame: Buffer): Promise<Uint8Array> {
    if (this.ended) return Promise.reject(new Error(this.ended));
    if (this.waiting) return Promise.reject(new Error('the encoder is busy with a frame'));
    const { width, height } = this.geometry;
    if (frame.length !== width * height * 4)
      return Promise.reject(new RangeError(`a ${width}×${height} frame has ${width * height * 4} bytes, not ${frame.length}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.end(`ffmpeg took over ${ENCODE_TIMEOUT_MS / 1000} s for a frame`), ENCODE_TIMEOUT_MS);
      this.waiting = { resolve, reject, timer };
      this.child.stdin.write(frame);
    });
  }

  dispose(): void {
    this.end('the video encoder was stopped');
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (!this.headerRead) {
      if (this.buffered.length < IVF_HEADER) return;
      if (this.buffered.toString('latin1', 0, 4) !== 'DKIF') return this.end('ffmpeg wrote something other than IVF');
      this.buffered = this.buffered.subarray(IVF_HEADER);
      this.headerRead = true;
    }
    while (this.buffered.length >= IVF_FRAME_HEADER) {
      const size = this.buffered.readUInt32LE(0);
      if (this.buffered.length < IVF_FRAME_HEADER + size) return;
      const frame = Uint8Array.prototype.slice.call(this.buffered, IVF_FRAME_HEADER, IVF_FRAME_HEADER + size);
      this.buffered = this.buffered.subarray(IVF_FRAME_HEADER + size);
      const waiting = this.waiting;
      this.waiting = undefined;
      if (!waiting) return this.end('ffmpeg wrote a frame nobody asked for');
      clearTimeout(waiting.timer);
      waiting.resolve(frame);
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    running--;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(reason));
    }
    // Killed by its PID: the lane owns exactly this process.
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
