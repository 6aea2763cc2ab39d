import type { CursorState, ScreenRect } from '../common/api.js';
import { ScreenDecoder, type ScreenEvent, type VideoPainter } from '../common/decoder.js';
import { ScreenFrameError } from '../common/frame.js';
import type { DecodedReply } from './decoded.js';
import { StreamInflater } from './inflater.js';
import { pasteRects } from './rect-pixels.js';
import type { VideoFrame as ScreenVideoFrame } from '../common/messages.js';
import { overlaps } from '../common/rects.js';

/** A message applied: `shown` once it is on the canvas, `next` when the message after it may be applied. */
interface Step {
  readonly shown: Promise<ScreenEvent>;
  readonly next: Promise<unknown>;
}

/** A step the next message waits for in full. */
const now = (shown: Promise<ScreenEvent>): Step => ({ shown, next: shown });

/**
 * A worker started before any view needs it: its start (a thread, its script) would otherwise delay the first picture.
 * `failed` keeps why it stopped before a view took it.
 */
let started: Started | undefined;

interface Started {
  readonly worker: Worker;
  failed?: string;
}

/** Starts the worker the next view takes; the plugin calls it as the page loads. */
export function startDecoderWorker(): void {
  if (started) return;
  try {
    const next: Started = {
      worker: new Worker(new URL('./decoder-worker.js', import.meta.url), { type: 'module', name: 'ra-screen-decoder' }),
    };
    next.worker.onerror = (event) => (next.failed = event.message || 'it did not load');
    started = next;
  } catch {
    // The view finds none and decodes on the page.
  }
}

/**
 * The page's side of the decoder worker, with ScreenDecoder's face: messages go to the worker in order, and its answers
 * are applied here in the same order, updates pasted into this framebuffer and video frames drawn (WebCodecs decodes
 * them off the main thread already). Where no worker runs (it failed to load), messages are decoded here instead.
 */
export class WorkerDecoder {
  #worker?: Worker;
  #local?: ScreenDecoder;
  readonly #replies: ((reply: DecodedReply) => void)[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #rgba: Uint8ClampedArray<ArrayBuffer> = new Uint8ClampedArray(0);
  #width = 0;
  #complete = false;
  #exact = false;
  #cursor?: CursorState;
  /** Video frames decoding and drawing, oldest first: an update elsewhere on the screen need not wait for them. */
  readonly #drawing: { readonly rects: readonly ScreenRect[]; done: Promise<void> }[] = [];

  constructor(private readonly video: VideoPainter) {
    startDecoderWorker();
    const next = started;
    started = undefined;
    if (!next || next.failed) {
      next?.worker.terminate();
      this.#fail(next?.failed ?? 'it could not be started');
      return;
    }
    const { worker } = next;
    worker.onmessage = ({ data }: MessageEvent<DecodedReply>) => this.#replies.shift()?.(data);
    worker.onerror = (event) => this.#fail(event.message || 'it did not load');
    worker.onmessageerror = () => this.#fail('an answer could not be read');
    this.#worker = worker;
  }

  get framebuffer(): Uint8ClampedArray<ArrayBuffer> {
    return this.#local?.framebuffer ?? this.#rgba;
  }

  get complete(): boolean {
    return this.#local?.complete ?? this.#complete;
  }

  get exact(): boolean {
    return this.#local?.exact ?? this.#exact;
  }

  /** Whether messages are decoded on the page's main thread, the worker having failed. */
  get onPage(): boolean {
    return this.#worker === undefined;
  }

  get cursor(): CursorState | undefined {
    return this.#local ? this.#local.cursor : this.#cursor;
  }

  /**
   * Applies one message after those passed before it; rejects with ScreenFrameError as ScreenDecoder does. An update
   * elsewhere on the screen than the video frames still decoding goes ahead of them (a character typed while a film
   * plays); sync marks and resets wait for everything before them.
   */
  apply(message: Uint8Array): Promise<ScreenEvent> {
    const decode = this.#worker ? this.#send(this.#worker, message) : undefined;
    // Decoded here only after the answers still due from the worker, so events stay in order.
    const step = this.#queue.then(() => (decode ? decode.then((reply) => this.#take(reply)) : this.#decodeHere(message)));
    this.#queue = step.then((s) => s.next).catch(() => undefined);
    return step.then((s) => s.shown);
  }

  #send(worker: Worker, message: Uint8Array): Promise<DecodedReply> {
    const reply = new Promise<DecodedReply>((resolve) => this.#replies.push(resolve));
    // A copy: the message is a view into the socket's frame, which is not ours to hand over.
    const copy = message.slice();
    worker.postMessage(copy, [copy.buffer]);
    return reply;
  }

  /** Its worker stops; the next view's starts now. */
  dispose(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    startDecoderWorker();
  }

  /** Applies an answer; `shown` settles once it is on the canvas, which the next message waits for unless it is video. */
  #take(reply: DecodedReply): Step {
    if ('error' in reply) return now(this.#drawn().then(() => Promise.reject(new ScreenFrameError(reply.error))));
    const { event, pixels } = reply;
    this.#complete = reply.complete;
    this.#exact = reply.exact;
    if (event.type === 'cursor') {
      this.#cursor = event.cursor;
      return now(Promise.resolve(event));
    }
    if (event.type === 'video') return this.#draw(event, event.frame);
    const before = event.type === 'update' ? this.#drawn(event.dirty) : this.#drawn();
    return now(
      before.then(() => {
        if (event.type === 'reset') this.#reset(event.geometry.width, event.geometry.height);
        else if (event.type === 'update' && pixels) pasteRects(this.#rgba, this.#width, event.dirty, pixels);
        return event;
      }),
    );
  }

  /** Video frames draw one after another; the next message need not wait for this one. */
  #draw(event: ScreenEvent, frame: ScreenVideoFrame): Step {
    const drawing = { rects: frame.rects, done: Promise.resolve() };
    drawing.done = this.#drawn().then(() =>
      this.video(frame).catch((error: unknown) => {
        throw new ScreenFrameError(`cannot decode a video frame: ${error instanceof Error ? error.message : String(error)}`);
      }),
    );
    this.#drawing.push(drawing);
    const forget = () => this.#drawing.splice(this.#drawing.indexOf(drawing), 1);
    drawing.done.then(forget, forget);
    return { shown: drawing.done.then(() => event), next: Promise.resolve() };
  }

  /** Once the video frames still drawing are on the canvas: all of them, or those overlapping `areas`. */
  #drawn(areas?: readonly ScreenRect[]): Promise<unknown> {
    const waits = this.#drawing.filter((d) => !areas || d.rects.some((r) => areas.some((a) => overlaps(a, r))));
    return Promise.all(waits.map((d) => d.done.catch(() => undefined)));
  }

  #decodeHere(message: Uint8Array): Step {
    return now((this.#local ??= this.#fallback()).apply(message));
  }

  /** A new screen starts black and opaque, as the worker's does. */
  #reset(width: number, height: number): void {
    this.#width = width;
    this.#rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 3; i < this.#rgba.length; i += 4) this.#rgba[i] = 255;
  }

  /** Messages in flight are lost: their answers say so, and the page asks for a fresh picture decoded here. */
  #fail(reason: string): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    console.warn(`RA: the screen decoder worker stopped (${reason}); decoding on the page instead`);
    for (const resolve of this.#replies.splice(0)) resolve({ error: `the screen decoder stopped: ${reason}` });
  }

  #fallback(): ScreenDecoder {
    return new ScreenDecoder(new StreamInflater(), this.video);
  }
}
