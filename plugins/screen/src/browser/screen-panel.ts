import type { Disposable, Workbench } from '@ra/kernel';
import type { RemoteSurface } from '../common/api.js';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { encodeRefresh, NO_SCREEN } from '../common/frame.js';
import { encodeCaps, encodeHelperSync, type PictureMode, type SyncMark } from '../common/messages.js';
import { PaintQueue } from './paint-queue.js';
import { pictureChoice, savedPictureMode } from './picture-mode.js';
import { ScreenStats } from './screen-stats.js';
import { decodableCodecs, VideoPainter } from './video-painter.js';
import { WorkerDecoder } from './worker-decoder.js';

type Mode = 'actual' | 'scaled';

/**
 * A view opened while the novice still held its first picture waiting for capabilities gets that picture without
 * the reset before it (sent before the view existed): with no picture this long after opening, it asks once.
 */
const JOIN_WAIT_MS = 2500;

const MODES: readonly [Mode, string][] = [
  ['actual', 'Actual size'],
  ['scaled', 'Scale to window'],
];

/**
 * The helper's view of the novice's screen: a canvas kept in step with the stream, filling the console's main area,
 * at Actual size (scrolling inside that area only) or scaled to fit it whole; offered to other plugins as the
 * session's RemoteSurface. Its zoom buttons sit in the console's toolbar.
 */
export function screenPanel(workbench: Workbench): UiPanel {
  return {
    id: 'screen',
    title: 'Screen',
    roles: ['helper'],
    order: 0,
    dock: 'main',
    render(host: HTMLElement, context: UiContext): Disposable {
      const view = new ScreenView(host, context);
      const surface = workbench.contribute('RemoteSurface', view.surface(context.session!.id));
      return {
        dispose: () => {
          surface.dispose();
          view.dispose();
        },
      };
    },
  };
}

class ScreenView {
  private readonly canvas = document.createElement('canvas');
  private readonly paints = new PaintQueue(this.canvas);
  private readonly video = new VideoPainter(this.canvas, () => this.paints.flush());
  private readonly decoder = new WorkerDecoder(this.video.paint);
  private readonly stats = new ScreenStats();
  private pictureMode: PictureMode = savedPictureMode();
  private readonly pointer = document.createElement('canvas');
  private readonly frame = document.createElement('div');
  private readonly note = document.createElement('p');
  private image?: ImageData;
  /**
   * A fresh picture is on its way: the capabilities this view sends on opening bring one (the stream's first, or one
   * for a view that joined midway), and so does a refresh. Until it comes, what arrives from before cannot be decoded,
   * and asking again would only bring a second picture a second later.
   */
  private asked = true;
  private joinTimer?: number;
  private mode: Mode = 'scaled';
  private readonly buttons = new Map<Mode, HTMLButtonElement>();
  private readonly subscriptions: Disposable[];
  /** The area changes with the window and the chat dock: Scale to window refits, and the drawn cursor follows. */
  private readonly resized = new ResizeObserver(() => this.show(this.mode));

  constructor(
    host: HTMLElement,
    private readonly context: UiContext,
  ) {
    this.canvas.id = 'ra-screen';
    this.canvas.setAttribute('aria-label', `${context.session?.peerName ?? 'The novice'}'s screen`);
    this.canvas.dataset.ready = 'false';
    this.pointer.id = 'ra-screen-cursor';
    this.pointer.hidden = true;
    this.frame.className = 'ra-screen-frame';
    this.frame.append(this.canvas, this.pointer);
    const zoom = document.createElement('div');
    zoom.className = 'ra-zoom';
    zoom.setAttribute('role', 'group');
    zoom.setAttribute('aria-label', 'Screen size');
    for (const [mode, label] of MODES) {
      const button = document.createElement('button');
      button.className = 'ra-btn secondary';
      button.textContent = label;
      button.addEventListener('click', () => this.show(mode));
      this.buttons.set(mode, button);
      zoom.append(button);
    }
    this.note.className = 'ra-error ra-screen-note';
    this.note.hidden = true;
    host.append(this.note, this.frame);
    this.frame.append(this.stats.element);
    this.subscriptions = [
      context.toolbar(zoom, 0),
      context.toolbar(
        pictureChoice(this.pictureMode, (mode) => this.choose(mode)),
        1,
      ),
      context.toolbar(this.stats.toggle, 2),
      context.onMessage('screen', (payload) => this.receive(payload)),
    ];
    void this.sayCaps();
    this.show(this.mode);
    this.resized.observe(this.frame);
    this.joinTimer = window.setTimeout(() => {
      if (!this.image) this.refresh();
    }, JOIN_WAIT_MS);
  }

  dispose(): void {
    window.clearTimeout(this.joinTimer);
    for (const s of this.subscriptions) s.dispose();
    this.resized.disconnect();
    this.paints.dispose();
    this.decoder.dispose();
    this.video.dispose();
    this.stats.dispose();
  }

  /** Tells the novice what this browser decodes and the picture the helper chose; it sends video only after this. */
  private async sayCaps(): Promise<void> {
    this.context.post('screen', encodeCaps({ mode: this.pictureMode, codecs: await decodableCodecs() }));
  }

  private choose(mode: PictureMode): void {
    this.pictureMode = mode;
    this.stats.chose(mode);
    void this.sayCaps();
  }

  /** Maps a client point to screen pixels through the canvas's current size, so both zooms agree. */
  surface(sessionId: string): RemoteSurface {
    const canvas = this.canvas;
    return {
      sessionId,
      element: canvas,
      toRemote(clientX, clientY) {
        const box = canvas.getBoundingClientRect();
        if (!canvas.width || box.width === 0) return undefined;
        const x = Math.floor(((clientX - box.left) * canvas.width) / box.width);
        const y = Math.floor(((clientY - box.top) * canvas.height) / box.height);
        return x >= 0 && y >= 0 && x < canvas.width && y < canvas.height ? { x, y } : undefined;
      },
    };
  }

  private show(mode: Mode): void {
    this.mode = mode;
    for (const [m, b] of this.buttons) b.setAttribute('aria-pressed', String(m === mode));
    this.frame.dataset.mode = mode;
    const { width, height } = this.canvas;
    if (!this.image) return;
    // Actual size is one screen pixel per device pixel, so it stays sharp on a high-density display.
    const scale = mode === 'actual' ? 1 / devicePixelRatio : Math.min(this.frame.clientWidth / width, this.frame.clientHeight / height) || 1 / devicePixelRatio;
    this.canvas.style.width = `${Math.floor(width * scale)}px`;
    this.canvas.style.height = `${Math.floor(height * scale)}px`;
    this.placeCursor();
  }

  private receive(payload: string | Uint8Array): void {
    if (typeof payload === 'string') return this.say(noScreenReason(payload));
    this.stats.received(payload.byteLength);
    const came = performance.now();
    this.decoder.apply(payload).then(
      (event) => {
        if (event.type === 'reset') this.asked = false;
        if (event.type === 'reset') this.resize(event.geometry.width, event.geometry.height);
        else if (event.type === 'update') this.paints.add(event.dirty);
        else if (event.type === 'video') this.stats.painted(true, this.video.size);
        else if (event.type === 'cursor') this.drawCursor(event.shapeChanged);
        else if (event.type === 'sync') this.answer(event.mark, came);
        this.canvas.dataset.ready = String(this.decoder.complete);
        this.canvas.dataset.exact = String(this.decoder.exact);
        this.stats.exact = this.decoder.exact;
        this.stats.onPage = this.decoder.onPage;
      },
      () => {
        // The stream broke (or this page joined midway): one refresh brings a fresh full frame.
        if (!this.asked) this.refresh();
      },
    );
  }

  private refresh(): void {
    this.context.post('screen', encodeRefresh());
    this.asked = true;
  }

  /** Everything before the mark is applied: the novice may send its next frame, and learns how long this page took. */
  private answer(mark: SyncMark, came: number): void {
    this.context.post('screen', encodeHelperSync(mark.n, performance.now() - came));
    this.stats.mark(mark);
  }

  private resize(width: number, height: number): void {
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.dataset.ready = 'false';
    this.image = new ImageData(this.decoder.framebuffer as Uint8ClampedArray<ArrayBuffer>, width, height);
    this.paints.reset(this.image, () => this.stats.painted(false));
    this.show(this.mode);
  }

  private drawCursor(shapeChanged: boolean): void {
    const cursor = this.decoder.cursor;
    if (!cursor) return;
    if (shapeChanged && cursor.image) {
      const { width, height, rgba } = cursor.image;
      this.pointer.width = width;
      this.pointer.height = height;
      this.pointer.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
    }
    this.pointer.hidden = !cursor.image;
    this.placeCursor();
  }

  private placeCursor(): void {
    const cursor = this.decoder.cursor;
    if (!cursor?.image || !this.canvas.width) return;
    const scale = this.canvas.clientWidth / this.canvas.width || 1;
    this.pointer.style.left = `${this.canvas.offsetLeft + (cursor.x - cursor.image.hotX) * scale}px`;
    this.pointer.style.top = `${this.canvas.offsetTop + (cursor.y - cursor.image.hotY) * scale}px`;
    this.pointer.style.width = `${cursor.image.width * scale}px`;
  }

  private say(text: string): void {
    this.note.hidden = false;
    this.note.className = 'ra-error';
    this.note.textContent = text;
  }
}

function noScreenReason(text: string): string {
  try {
    const message = JSON.parse(text) as { type?: string; reason?: string };
    if (message.type === NO_SCREEN) return `The other computer has no screen to show: ${message.reason ?? 'unknown reason'}.`;
  } catch {
    // not JSON: fall through
  }
  return 'The other computer sent a screen message this version does not understand.';
}
