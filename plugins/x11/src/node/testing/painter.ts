import type { Geometry, ScreenResources } from 'x11';
import { XConnection } from '../connection.js';
import type { ScreenRect } from '@ra/plugin-screen/api';

/** Draws on a test display through its own X connection, as another client of the desktop would. */
export class Painter {
  private constructor(private readonly conn: XConnection) {}

  static async open(display: string): Promise<Painter> {
    return new Painter(await XConnection.open(display, { timeoutMs: 2000, sharedMemory: false }));
  }

  /** Paints the whole root window `rgb` (0xRRGGBB), like `xsetroot -solid`. */
  async root(rgb: number): Promise<void> {
    const root = this.conn.screen.root;
    this.conn.client.ChangeWindowAttributes(root, { backgroundPixel: rgb });
    this.conn.client.ClearArea(root, 0, 0, 0, 0, 0);
    await this.sync();
  }

  /** Shows a window filled with `rgb` at `rect`, above everything, titled `title` (WM_NAME) when given; resolves to its id. */
  async window(rect: ScreenRect, rgb: number, title?: string): Promise<number> {
    const id = this.conn.client.AllocID();
    this.conn.client.CreateWindow(id, this.conn.screen.root, rect.x, rect.y, rect.width, rect.height, 0, 0, 0, 0, {
      backgroundPixel: rgb,
      overrideRedirect: 1,
    });
    // WM_NAME (39) of type STRING (31).
    if (title) this.conn.client.ChangeProperty(0, id, 39, 31, 8, title);
    this.conn.client.MapWindow(id);
    await this.sync();
    return id;
  }

  /** Moves a window `window()` showed to (`x`, `y`). */
  async move(id: number, x: number, y: number): Promise<void> {
    this.conn.client.ConfigureWindow(id, { x, y });
    await this.sync();
  }

  /** Unmaps (`shown` false) or maps a window `window()` showed. */
  async shown(id: number, shown: boolean): Promise<void> {
    if (shown) this.conn.client.MapWindow(id);
    else this.conn.client.UnmapWindow(id);
    await this.sync();
  }

  /** Takes a window `window()` showed off the screen. */
  async destroy(id: number): Promise<void> {
    this.conn.client.DestroyWindow(id);
    await this.sync();
  }

  /** Shrinks the screen through RandR, as `xrandr --fb` does: the output is switched off first. */
  async shrinkScreen(width: number, height: number): Promise<void> {
    const randr = await this.conn.extension('randr');
    const root = this.conn.screen.root;
    const resources = await this.conn.request<ScreenResources>((cb) => randr.GetScreenResources(root, cb));
    for (const crtc of resources.crtcs) {
      await this.conn.request((cb) => randr.SetCrtcConfig(crtc, 0, resources.config_timestamp, 0, 0, 0, 1, [], cb));
    }
    randr.SetScreenSize(root, width, height, Math.round(width / 4), Math.round(height / 4));
    await this.sync();
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  /** A round trip: everything sent before has been done by the server. */
  private sync(): Promise<Geometry> {
    return this.conn.request<Geometry>((cb) => this.conn.client.GetGeometry(this.conn.screen.root, cb));
  }
}
