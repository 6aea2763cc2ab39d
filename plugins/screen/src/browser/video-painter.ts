import type { VideoFrame as ScreenVideoFrame } from '../common/messages.js';
import { VideoCodec, VP9_444 } from '../common/messages.js';

/** What this browser decodes, for the `caps` it sends: VP9 4:4:4 through WebCodecs, decoded off the main thread. */
export async function decodableCodecs(): Promise<VideoCodec[]> {
  if (typeof VideoDecoder === 'undefined') return [];
  const { supported } = await VideoDecoder.isConfigSupported({ codec: VP9_444, optimizeForLatency: true }).catch(() => ({ supported: false }));
  return supported ? [VideoCodec.vp9] : [];
}

/**
 * Decodes the novice's video frames with WebCodecs and draws each frame's areas on the canvas; the rest of the canvas
 * keeps its pixels. One frame at a time: the WorkerDecoder orders them, and holds back exact pixels that overlap one
 * until it is drawn, so they paint over it.
 */
export class VideoPainter {
  private decoder?: VideoDecoder;
  /** Configured ahead for the next key frame: making one (its threads, its codec) would otherwise delay that picture. */
  private next?: VideoDecoder;
  private nextTimer?: number;
  private waiting?: { resolve(frame: VideoFrame): void; reject(error: Error): void };
  private timestamp = 0;
  /** The size of the last decoded frame: the part of the screen the novice encodes, for the statistics. */
  size?: { readonly width: number; readonly height: number };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** Paints what is waiting for the next animation frame first, so it stays under this frame. */
    private readonly beforeDraw: () => void,
  ) {
    if (typeof VideoDecoder !== 'undefined') this.next = this.make();
  }

  paint = async (frame: ScreenVideoFrame): Promise<void> => {
    if (frame.key) this.open();
    if (!this.decoder) throw new Error('a video frame came before its key frame');
    const decoded = new Promise<VideoFrame>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.decoder.decode(new EncodedVideoChunk({ type: frame.key ? 'key' : 'delta', timestamp: this.timestamp++, data: frame.data }));
    const picture = await decoded;
    this.size = { width: picture.displayWidth, height: picture.displayHeight };
    try {
      this.beforeDraw();
      this.draw(frame, picture);
    } finally {
      picture.close();
    }
  };

  /**
   * One drawImage clipped to the frame's areas: each drawImage of a VideoFrame converts all of it to RGB, so drawing
   * area by area cost a whole frame's conversion per area (seconds for a film's few hundred areas).
   */
  private draw(frame: ScreenVideoFrame, picture: VideoFrame): void {
    if (!frame.rects.length) return;
    const areas = new Path2D();
    for (const r of frame.rects) {
      if (r.x - frame.x + r.width > picture.displayWidth || r.y - frame.y + r.height > picture.displayHeight)
        throw new Error(`video area ${r.width}×${r.height} at ${r.x},${r.y} is outside its ${picture.displayWidth}×${picture.displayHeight} frame`);
      areas.rect(r.x, r.y, r.width, r.height);
    }
    const context = this.canvas.getContext('2d')!;
    context.save();
    context.clip(areas);
    context.drawImage(picture, frame.x, frame.y);
    context.restore();
  }

  dispose(): void {
    this.close();
    window.clearTimeout(this.nextTimer);
    if (this.next?.state !== 'closed') this.next?.close();
    this.next = undefined;
  }

  private close(): void {
    if (this.decoder?.state !== 'closed') this.decoder?.close();
    this.decoder = undefined;
  }

  /** Takes the decoder configured ahead, and configures the next one once this picture had the machine to itself. */
  private open(): void {
    this.close();
    // The browser may have reclaimed an idle decoder.
    this.decoder = this.next?.state === 'configured' ? this.next : this.make();
    if (this.next !== this.decoder && this.next?.state !== 'closed') this.next?.close();
    this.next = undefined;
    window.clearTimeout(this.nextTimer);
    this.nextTimer = window.setTimeout(() => (this.next ??= this.make()), 1000);
  }

  private make(): VideoDecoder {
    const decoder: VideoDecoder = new VideoDecoder({
      output: (picture) => {
        const waiting = decoder === this.decoder ? this.waiting : undefined;
        if (!waiting) return picture.close();
        this.waiting = undefined;
        waiting.resolve(picture);
      },
      error: (e) => {
        if (decoder === this.next) this.next = undefined;
        if (decoder !== this.decoder) return;
        this.waiting?.reject(e);
        this.waiting = undefined;
        this.decoder = undefined;
      },
    });
    decoder.configure({ codec: VP9_444, optimizeForLatency: true });
    return decoder;
  }
}
