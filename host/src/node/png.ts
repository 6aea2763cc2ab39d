import type { ScreenPicture } from '@ra/kernel';
import { PNG } from 'pngjs';
import { CliError } from './cli-error.js';

/** The PNG of a screen picture (`ra open --snapshot`): RA's one PNG encoder. */
export function encodePng(picture: ScreenPicture): Buffer {
  const { width, height, rgba } = picture;
  if (!(width > 0 && height > 0) || rgba.byteLength !== width * height * 4) {
    throw new CliError(`the screen picture is malformed: ${rgba.byteLength} bytes for ${width}x${height} pixels`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}
