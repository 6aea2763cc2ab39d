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
  /** Reads them all in one round trip to the X server: the requests go out together, the replies come back together. */
  grabAll(rects: readonly ScreenRect[]): Promise<Grab[]>;
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

  grabAll(rects: readonly ScreenRect[]): Promise<Grab[]> {
    return Promise.all(rects.map((r) => this.grab(r)));
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
    return (await this.grabAll([r]))[0];
  }

  /** Each rectangle into its own part of the segment; more than it holds (overlapping rects) go in turns. */
  async grabAll(rects: readonly ScreenRect[]): Promise<Grab[]> {
    const root = this.conn.screen.root;
    const segment = this.segment;
    const grabs: Grab[] = [];
    let offset = 0;
    const round: Promise<unknown>[] = [];
    for (const r of rects) {
      const bytes = r.width * r.height * 4;
      if (offset + bytes > this.size) {
        // The segment is full: what it holds is copied out before the next turn overwrites it.
        await Promise.all(round.splice(0));
        grabs.splice(0, grabs.length, ...grabs.map((g) => ({ data: Buffer.from(g.data), stride: g.stride })));
        offset = 0;
      }
      const at = offset;
      round.push(this.conn.request((cb) => segment.getImage(root, r.x, r.y, r.width, r.height, PLANES, Z_PIXMAP, at, cb)));
      grabs.push({ data: segment.buffer.subarray(at, at + bytes), stride: r.width * 4 });
      offset += bytes;
    }
    await Promise.all(round);
    return grabs;
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
