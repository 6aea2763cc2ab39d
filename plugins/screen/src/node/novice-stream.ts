import type { Disposable, Logger } from '@ra/kernel';
import type { CaptureSource, CaptureStream, CursorState, ScreenGeometry, ScreenUpdate } from '../common/api.js';
import type { ChannelEndpoint, ChannelLink } from '@ra/plugin-session/api';
import { decodeHelperMessage, NO_SCREEN, ScreenFrameError } from '../common/frame.js';
import { ScreenEncoder } from './encoder.js';

const REFRESH_MS = 1000;
/** Above this many unsent bytes the helper is reading slower than the screen changes: stop encoding, keep only what changed. */
export const HIGH_WATER_BYTES = 1024 * 1024;
/** Changes kept while the link is full; past this they are dropped for one fresh full picture once it drains. */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;

/**
 * The novice's end of the `screen` channel: capture → encode → link, strictly in call order.
 * Updates arriving in one tick go out as one batch. It starts only once the session is open,
 * which the session plugin allows only after the novice's Accept. When the helper reads slower
 * than the screen changes, nothing stale queues: changes wait, bounded, until the link drains,
 * and then go out as one batch, or as one full picture when too much changed meanwhile.
 */
export class NoviceScreenStream implements ChannelEndpoint {
  private readonly encoder = new ScreenEncoder();
  private tail: Promise<unknown> = Promise.resolve();
  private batch: ScreenUpdate[] = [];
  private geometry?: ScreenGeometry;
  private stream?: CaptureStream;
  private disposed = false;
  private lastRefresh = 0;
  private refreshTimer?: NodeJS.Timeout;
  /** Changes held while the link is full, and their size; `stale` once they were too many to keep. */
  private held: ScreenUpdate[] = [];
  /** Bytes of the changes held now; never above MAX_HELD_BYTES. */
  heldBytes = 0;
  /** The newest cursor while the link is full. */
  private heldCursor?: CursorState;
  private stale = false;
  private readonly drain: Disposable;

  constructor(
    private readonly link: ChannelLink,
    private readonly logger: Logger,
  ) {
    this.drain = link.onDrain(() => this.resume());
  }

  async start(source: CaptureSource, display: string): Promise<void> {
    const stream = await source.start(display, {
      resize: (geometry) => this.reset(geometry),
      update: (update) => this.update(update),
      cursor: (state) => this.cursor(state),
      ended: (reason) => this.unavailable(`screen capture stopped: ${reason}`),
    });
    if (this.disposed) stream.dispose();
    else this.stream = stream;
  }

  /** There is no screen to send; the session goes on (chat, control), and the helper reads why. */
  unavailable(reason: string): void {
    this.stream = undefined;
    this.logger.warn(reason);
    if (!this.disposed) this.link.send(JSON.stringify({ type: NO_SCREEN, reason }));
  }

  receive(payload: Uint8Array | string): void {
    try {
      if (typeof payload === 'string') throw new ScreenFrameError('expected a binary screen message from the helper');
      decodeHelperMessage(payload);
    } catch (e) {
      return this.logger.warn(`ignored a screen message from the helper: ${(e as Error).message}`);
    }
    this.refresh();
  }

  /** A full frame again, at most one a second: a page that keeps asking cannot keep the novice grabbing. */
  private refresh(): void {
    const wait = this.lastRefresh + REFRESH_MS - Date.now();
    if (wait > 0) {
      this.refreshTimer ??= setTimeout(() => {
        this.refreshTimer = undefined;
        this.refresh();
      }, wait);
      return;
    }
    this.lastRefresh = Date.now();
    if (this.geometry) this.reset(this.geometry);
    this.stream?.refresh();
  }

  dispose(): void {
    this.disposed = true;
    this.drain.dispose();
    this.held = [];
    clearTimeout(this.refreshTimer);
    this.stream?.dispose();
    this.stream = undefined;
  }

  private reset(geometry: ScreenGeometry): void {
    this.geometry = geometry;
    this.batch = [];
    this.held = [];
    this.heldBytes = 0;
    this.stale = false;
    this.send(Promise.resolve(this.encoder.reset(geometry)));
  }

  private update(update: ScreenUpdate): void {
    if (this.link.buffered > HIGH_WATER_BYTES || this.held.length || this.stale) return this.hold(update);
    this.batch.push(update);
    if (this.batch.length === 1) queueMicrotask(() => this.flush());
  }

  /** The link is full: keep the change for later, or give up on details and ask for a full picture then. */
  private hold(update: ScreenUpdate): void {
    if (this.stale) return;
    this.heldBytes += update.data.byteLength;
    if (this.heldBytes > MAX_HELD_BYTES) {
      this.held = [];
      this.heldBytes = 0;
      this.stale = true;
      return;
    }
    this.held.push(update);
  }

  /** The link drained: what changed meanwhile goes out, newest pixels only. */
  private resume(): void {
    if (this.disposed || this.link.buffered > HIGH_WATER_BYTES) return;
    if (this.stale && this.geometry) {
      this.reset(this.geometry);
      return this.stream?.refresh();
    }
    const held = this.held;
    const cursor = this.heldCursor;
    this.held = [];
    this.heldBytes = 0;
    this.heldCursor = undefined;
    if (held.length) this.send(this.encoder.encode(held));
    if (cursor) this.cursor(cursor);
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length) this.send(this.encoder.encode(batch));
  }

  private cursor(state: CursorState): void {
    if (this.link.buffered > HIGH_WATER_BYTES || this.held.length || this.stale) {
      // Only the newest position is worth sending later, with the last shape not yet sent.
      this.heldCursor = { ...state, image: state.image ?? this.heldCursor?.image };
      return;
    }
    this.flush();
    // A cursor the stream cannot carry is skipped; it must never end the session.
    this.send(this.encoder.cursor(state).catch((e: Error) => void this.logger.warn(`skipped a cursor shape: ${e.message}`)));
  }

  /** Keeps messages in call order even though compression is asynchronous. */
  private send(message: Promise<Uint8Array | undefined>): void {
    this.tail = this.tail
      .then(() => message)
      .then((m) => m && !this.disposed && this.link.send(m))
      .catch((e: Error) => this.link.close(`the screen could not be encoded: ${e.message}`));
  }
}
