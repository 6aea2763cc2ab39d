import type { ScreenGeometry, ScreenRect, ScreenUpdate } from '../../common/api.js';

/** Counted across mirrors, so a version names one state of one mirror. */
let versions = 0;

/** The novice's whole screen as last captured, BGRX: what the video encoder reads and exact top-offs are cut from. */
export class Mirror {
  readonly pixels: Buffer;
  /** A copy handed to the encoder, which reads it while the screen goes on changing; made at the first frame. */
  private frame?: Buffer;
  /** Changes with every update applied. */
  version = ++versions;

  constructor(readonly geometry: ScreenGeometry) {
    this.pixels = Buffer.alloc(geometry.width * geometry.height * 4);
  }

  apply({ x, y, width, height, stride, data }: ScreenUpdate): void {
    const rowBytes = width * 4;
    const screenStride = this.geometry.width * 4;
    this.version = ++versions;
    for (let row = 0; row < height; row++) {
      const from = data.byteOffset + row * stride;
      this.pixels.set(new Uint8Array(data.buffer, from, rowBytes), (y + row) * screenStride + x * 4);
    }
  }

  /** The area as an update that reads the mirror in place: valid until the mirror next changes. */
  view({ x, y, width, height }: ScreenRect): ScreenUpdate {
    const stride = this.geometry.width * 4;
    return { x, y, width, height, stride, data: this.pixels.subarray(y * stride + x * 4) };
  }

  /** This part of the screen now, in the buffer the encoder reads. */
  snapshot({ x, y, width, height }: ScreenRect): Buffer {
    const rowBytes = width * 4;
    if (this.frame?.length !== rowBytes * height) this.frame = Buffer.allocUnsafe(rowBytes * height);
    if (width === this.geometry.width) this.pixels.copy(this.frame, 0, y * rowBytes, (y + height) * rowBytes);
    else {
      const stride = this.geometry.width * 4;
      for (let row = 0; row < height; row++) this.pixels.copy(this.frame, row * rowBytes, (y + row) * stride + x * 4, (y + row) * stride + x * 4 + rowBytes);
    }
    return this.frame;
  }
}
