import { PNG } from 'pngjs';
import type { ScreenPicture } from '../common/api.js';

/** A PNG of the picture, e.g. for `ra open --snapshot`. */
export function encodePng(picture: ScreenPicture): Buffer {
  const { width, height, rgba } = picture;
  if (rgba.length !== width * height * 4) throw new RangeError(`picture ${width}×${height} has ${rgba.length} bytes of RGBA`);
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  return PNG.sync.write(png, { colorType: 2 });
}
