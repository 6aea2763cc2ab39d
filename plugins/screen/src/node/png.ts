import { PNG } from 'pngjs';
import type { ScreenPicture } from '../common/api.js';

/** The PNG of a screen picture (`ra snapshot`): RA's one PNG encoder. */
export function encodePng(picture: ScreenPicture): Buffer {
  const { width, height, rgba } = picture;
  if (!(width > 0 && height > 0) || rgba.byteLength !== width * height * 4) {
    throw new RangeError(`the screen picture is malformed: ${rgba.byteLength} bytes for ${width}x${height} pixels`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  return PNG.sync.write(png, { colorType: 2 });
}
