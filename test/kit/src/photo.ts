import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';

/** A photo-like picture, RGB: soft gradients under fine noise, the content exact pixels cost most for. */
export function photoPixel(x: number, y: number, shift = 0): [number, number, number] {
  const u = x + shift;
  const noise = Math.imul(u * 31 + y * 7919, 2654435761) >>> 27;
  return [
    (96 + 80 * Math.sin(u / 97) + 40 * Math.cos(y / 61) + noise) & 255,
    (88 + 70 * Math.sin((u + y) / 131) + noise) & 255,
    (120 + 90 * Math.cos(u / 173 - y / 89) + noise) & 255,
  ];
}

/** An XWD file (X Window Dump, 24-bit TrueColor, most significant byte first) of the photo, as `xwud` shows it. */
function xwd(width: number, height: number, shift: number): Buffer {
  const name = Buffer.from('ra-photo\0');
  const header = Buffer.alloc(100);
  const fields = [100 + name.length, 7, 2, 24, width, height, 0, 1, 32, 1, 32, 32, width * 4, 4, 0xff0000, 0xff00, 0xff, 8, 0, 0, width, height, 0, 0, 0];
  fields.forEach((v, i) => header.writeUInt32BE(v, i * 4));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = photoPixel(x, y, shift);
      pixels.writeUInt32BE((r << 16) | (g << 8) | b, (y * width + x) * 4);
    }
  }
  return Buffer.concat([header, name, pixels]);
}

/** Shows the photo in a window at the top left of `display` (no window manager: it lands at 0,0); kill it by its PID. */
export async function showPhoto(display: string, file: string, width: number, height: number, shift = 0): Promise<ChildProcess> {
  await writeFile(file, xwd(width, height, shift));
  const child = spawn('xwud', ['-in', file, '-geometry', '+0+0'], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
  await Promise.race([once(child, 'spawn'), once(child, 'error').then(([e]) => Promise.reject(e as Error))]);
  return child;
}
