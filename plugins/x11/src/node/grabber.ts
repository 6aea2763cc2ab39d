import type { ScreenGeometry } from '@ra/plugin-screen/api';
import type { Image, Shm, ShmSegment } from 'x11';
import type { XConnection } from './connection.js';
import type { ScreenRect } from '@ra/plugin-screen/api';
import type { Grab } from './shadow.js';

const Z_PIXMAP = 2;
/** All planes: the server copies rows as they are (masking the padding byte halves its speed). */
const PLANES = 0xffffffff;

export type GrabMethod = 'shm' | 'core';

/** Reads rectangles of the root window; a grab stays valid until the next one. */
export interface Grabber {
  readonly method: GrabMethod;
  grab(rect: ScreenRect): Promise<Grab>;
  /** Makes room for a screen of this size. */
  resize(geometry: ScreenGeometry): Promise<void>;
  dispose(): Promise<void>;
}

/** Core GetImage: the pixels travel through the socket, about 5× slower than MIT-SHM for a full screen. */
export class CoreGrabber implements Grabber {
  readonly method = 'core';

  constructor(private readonly conn: XConnection) {}

  async grab(r: ScreenRect): Promise<Grab> {
    const root = this.conn.screen.root;
    const image = await this.conn.request<Image>((cb) => this.conn.client.GetImage(Z_PIXMAP, root, r.x, r.y, r.width, r.height, PLANES, cb));
    return { data: image.data, stride: r.width * 4 };
  }

  async resize(): Promise<void> {}

  async dispose(): Promise<void> {}
}

/** MIT-SHM GetImage into one segment sized for the whole screen; the server writes, we read it back. */
export class ShmGrabber implements Grabber {
  readonly method = 'shm';

  private constructor(
    private readonly conn: XConnection,
    private readonly shm: Shm,
    private segment: ShmSegment,
    private size: number,
  ) {}

  /** Rejects, saying why, unless the server attaches a segment over this connection. */
  static async create(conn: XConnection, geometry: ScreenGeometry): Promise<ShmGrabber> {
    const shm = await conn.extension('shm');
    if (!(await conn.request<boolean>((cb) => shm.usable(cb)))) {
      throw new Error(`the X server at ${conn.name} attaches no shared memory over this connection (TCP or a remote display)`);
    }
    const size = ShmGrabber.bytes(geometry);
    return new ShmGrabber(conn, shm, await conn.request<ShmSegment>((cb) => shm.createSegment(size, cb)), size);
  }

  async grab(r: ScreenRect): Promise<Grab> {
    const root = this.conn.screen.root;
    await this.conn.request((cb) => this.segment.getImage(root, r.x, r.y, r.width, r.height, PLANES, Z_PIXMAP, 0, cb));
    return { data: this.segment.buffer, stride: r.width * 4 };
  }

  async resize(geometry: ScreenGeometry): Promise<void> {
    const size = ShmGrabber.bytes(geometry);
    if (size <= this.size) return;
    const segment = await this.conn.request<ShmSegment>((cb) => this.shm.createSegment(size, cb));
    this.segment.detach();
    this.segment = segment;
    this.size = size;
  }

  /** Detaches the segment once the server confirms; `ShmSegments.releaseAll` covers a dead server. */
  async dispose(): Promise<void> {
    const segment = this.segment;
    await this.conn.request<void>((cb) => segment.detach(() => cb(null, undefined))).catch(() => undefined);
  }

  private static bytes(geometry: ScreenGeometry): number {
    return geometry.width * geometry.height * 4;
  }
}
