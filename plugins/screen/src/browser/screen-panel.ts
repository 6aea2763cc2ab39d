import type { Disposable, Workbench } from '@ra/kernel';
import type { RemoteSurface } from '../common/api.js';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { ScreenDecoder } from '../common/decoder.js';
import { encodeRefresh, NO_SCREEN } from '../common/frame.js';
import { StreamInflater } from './inflater.js';

type Mode = 'actual' | 'scaled';

/**
 * The helper's view of the novice's screen: a canvas kept in step with the stream, Actual size or
 * Scaled, offered to other plugins as the session's RemoteSurface.
 */
export function screenPanel(workbench: Workbench): UiPanel {
  return {
    id: 'screen',
    title: 'Screen',
    roles: ['helper'],
    order: 0,
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
  private readonly decoder = new ScreenDecoder(new StreamInflater());
  private readonly canvas = document.createElement('canvas');
  private readonly pointer = document.createElement('canvas');
  private readonly frame = document.createElement('div');
  private readonly note = document.createElement('p');
  private image?: ImageData;
  private asked = false;
  private mode: Mode = 'actual';
  private readonly buttons = new Map<Mode, HTMLButtonElement>();
  private readonly subscription: Disposable;
  private readonly resized = new ResizeObserver(() => this.placeCursor());

  constructor(
    host: HTMLElement,
    private readonly context: UiContext,
  ) {
    this.canvas.id = 'ra-screen';
    this.canvas.setAttribute('aria-label', `${context.session?.peerName ?? 'The novice'}'s screen`);
    this.canvas.dataset.ready = 'false';
    this.pointer.id = 'ra-screen-cursor';
    this.pointer.style.position = 'absolute';
    this.pointer.style.pointerEvents = 'none';
    this.pointer.hidden = true;
    this.frame.style.position = 'relative';
    this.frame.style.overflow = 'auto';
    this.frame.style.maxHeight = '80vh';
    this.frame.style.border = '1px solid #c8d3e0';
    this.frame.style.background = '#222';
    this.frame.append(this.canvas, this.pointer);
    const bar = document.createElement('div');
    bar.className = 'ra-row';
    for (const [mode, label] of [
      ['actual', 'Actual size'],
      ['scaled', 'Scaled'],
    ] as const) {
      const button = document.createElement('button');
      button.className = 'ra-btn secondary';
      button.textContent = label;
      button.addEventListener('click', () => this.show(mode));
      this.buttons.set(mode, button);
      bar.append(button);
    }
    host.append(bar, this.note, this.frame);
    this.note.hidden = true;
    this.show('actual');
    this.subscription = context.onMessage('screen', (payload) => this.receive(payload));
    // The drawn cursor follows the canvas when the window (and so the Scaled picture) changes size.
    this.resized.observe(this.canvas);
  }

  dispose(): void {
    this.subscription.dispose();
    this.resized.disconnect();
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
    // Actual size is one screen pixel per device pixel, so it stays sharp on a high-density display.
    this.canvas.style.width = mode === 'scaled' ? '100%' : `${this.canvas.width / devicePixelRatio}px`;
    this.canvas.style.height = 'auto';
    this.canvas.style.display = 'block';
    this.frame.style.maxHeight = mode === 'scaled' ? 'none' : '80vh';
    this.placeCursor();
  }

  private receive(payload: string | Uint8Array): void {
    if (typeof payload === 'string') return this.say(noScreenReason(payload));
    this.decoder.apply(payload).then(
      (event) => {
        this.asked = false;
        if (event.type === 'reset') this.resize(event.geometry.width, event.geometry.height);
        else if (event.type === 'update') for (const r of event.dirty) this.paint(r);
        else if (event.type === 'cursor') this.drawCursor(event.shapeChanged);
        if (this.decoder.complete) this.canvas.dataset.ready = 'true';
      },
      () => {
        // The stream broke (or this page joined midway): one refresh brings a fresh full frame.
        if (!this.asked) this.context.post('screen', encodeRefresh());
        this.asked = true;
      },
    );
  }

  private resize(width: number, height: number): void {
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.dataset.ready = 'false';
    this.image = new ImageData(this.decoder.framebuffer as Uint8ClampedArray<ArrayBuffer>, width, height);
    this.show(this.mode);
  }

  private paint(r: { x: number; y: number; width: number; height: number }): void {
    if (this.image) this.canvas.getContext('2d')!.putImageData(this.image, 0, 0, r.x, r.y, r.width, r.height);
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
    this.pointer.style.left = `${(cursor.x - cursor.image.hotX) * scale}px`;
    this.pointer.style.top = `${(cursor.y - cursor.image.hotY) * scale}px`;
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
