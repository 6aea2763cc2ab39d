import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A screenshot taken by `xwd -root`, independent of the capture under test. */
export interface Screenshot {
  readonly width: number;
  readonly height: number;
  /** The RGB value at (`x`, `y`), as 0xRRGGBB. */
  rgb(x: number, y: number): number;
}

/** Runs `xwd -root -silent` on the display in `env` and parses its 32-bit ZPixmap output. */
export async function screenshot(env: NodeJS.ProcessEnv, tries = 3): Promise<Screenshot> {
  try {
    const { stdout } = await run('xwd', ['-root', '-silent'], { env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return parseXwd(stdout);
  } catch (e) {
    // xwd walks the window tree; a window closing meanwhile (a desktop that is changing) fails it with BadWindow.
    if (tries > 1 && String((e as { stderr?: Buffer }).stderr ?? '').includes('BadWindow')) return screenshot(env, tries - 1);
    throw e;
  }
}

/** XWD: a header of big-endian 32-bit fields, the window name, a colour map, then the pixels. */
export function parseXwd(file: Buffer): Screenshot {
  const field = (i: number) => file.readUInt32BE(i * 4);
  const [headerSize, version, format, , width, height, , byteOrder, , , , bitsPerPixel, bytesPerLine] = Array.from({ length: 13 }, (_, i) => field(i));
  const colours = field(19);
  if (version !== 7 || format !== 2 || bitsPerPixel !== 32) {
    throw new Error(`xwd wrote version ${version}, format ${format}, ${bitsPerPixel} bits per pixel; this parser reads version 7 ZPixmap at 32 bits`);
  }
  const pixels = headerSize + colours * 12;
  const read = byteOrder === 0 ? (at: number) => file.readUInt32LE(at) : (at: number) => file.readUInt32BE(at);
  return { width, height, rgb: (x, y) => read(pixels + y * bytesPerLine + x * 4) & 0xffffff };
}
