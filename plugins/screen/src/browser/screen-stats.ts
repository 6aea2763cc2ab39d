import { VIDEO_QUALITY_STEPS, VideoCodec, type PictureMode, type SyncMark } from '../common/messages.js';

const WINDOW_MS = 1000;

/** The statistics overlay over the screen: frames painted and bytes received per second, the link's delay, the codec. */
export class ScreenStats {
  readonly element = document.createElement('div');
  readonly toggle = document.createElement('button');
  private frames: number[] = [];
  private bytes: { at: number; n: number }[] = [];
  private link?: SyncMark;
  private video = false;
  private area?: { readonly width: number; readonly height: number };
  exact = false;
  /** The page decodes exact pixels on its main thread: its worker did not load. */
  onPage = false;
  private readonly timer: number;

  constructor() {
    this.element.className = 'ra-screen-stats';
    this.element.id = 'ra-screen-stats';
    this.element.hidden = true;
    this.element.setAttribute('aria-live', 'off');
    this.toggle.className = 'ra-btn secondary';
    this.toggle.textContent = 'Statistics';
    this.toggle.setAttribute('aria-pressed', 'false');
    this.toggle.addEventListener('click', () => {
      this.element.hidden = !this.element.hidden;
      this.toggle.setAttribute('aria-pressed', String(!this.element.hidden));
      this.render();
    });
    this.timer = window.setInterval(() => this.render(), 500);
  }

  received(bytes: number): void {
    this.bytes.push({ at: performance.now(), n: bytes });
  }

  /** A picture was painted; `area`, the size of a video frame's part of the screen. */
  painted(video: boolean, area?: { readonly width: number; readonly height: number }): void {
    this.frames.push(performance.now());
    this.video ||= video;
    if (area) this.area = area;
  }

  /** Best picture: nothing goes as video from now on, whatever the last mark said. */
  chose(mode: PictureMode): void {
    if (mode === 'best') this.video = false;
  }

  mark(mark: SyncMark): void {
    this.link = mark;
    this.video = mark.codec === VideoCodec.vp9;
  }

  dispose(): void {
    window.clearInterval(this.timer);
  }

  /** The link's rate is measured only while changes queue on it: until then it has kept up with all of them. */
  private linkText(): string {
    if (!this.link) return 'not measured yet';
    return this.link.bytesPerSecond ? `${formatBytes(this.link.bytesPerSecond)}/s while busy` : 'keeps up with every change so far';
  }

  private render(): void {
    const since = performance.now() - WINDOW_MS;
    this.frames = this.frames.filter((t) => t > since);
    this.bytes = this.bytes.filter((b) => b.at > since);
    if (this.element.hidden) return;
    const rate = this.bytes.reduce((sum, b) => sum + b.n, 0);
    const rows: [string, string][] = [
      ['Frames', `${this.frames.length} per second`],
      ['Data', `${formatBytes(rate)}/s`],
      ['Delay', this.link ? `${this.link.rttMs} ms round trip` : 'not measured yet'],
      ['Link', this.linkText()],
      ['Codec', this.video ? 'VP9 4:4:4 video for big changes, exact pixels for the rest' : 'exact pixels only (lossless)'],
      ...(this.video && this.link?.quality ? [['Video quality', qualityText(this.link.quality)] as [string, string]] : []),
      ...(this.video && this.area ? [['Video area', `${this.area.width}×${this.area.height} of the screen`] as [string, string]] : []),
      ['Picture', this.exact ? 'exact' : 'being refined'],
      ['Decoding', this.onPage ? 'on the page (its worker did not load)' : 'in a worker, off the page'],
    ];
    this.element.replaceChildren(
      ...rows.map(([name, value]) => {
        const row = document.createElement('div');
        const label = document.createElement('span');
        label.textContent = `${name}: `;
        const text = document.createElement('b');
        text.textContent = value;
        row.append(label, text);
        return row;
      }),
    );
  }
}

function qualityText(level: number): string {
  return level === 1 ? 'sharpest' : `step ${level} of ${VIDEO_QUALITY_STEPS}, coarser while the link is busy`;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${Math.round(n)} B`;
}
