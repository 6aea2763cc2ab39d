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

/** Runs `xwd -root -silent` on the display in `env` and parses its ZPixmap output. */
export async function screenshot(env: NodeJS.ProcessEnv, tries = 3): Promise<Screenshot> {
  try {
    const { stdout } = await run('xwd', ['-root', '-silent'], { env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return parseXwd(stdout);
  } catch (e) {
    // xwd walks the window tree; a window closing meanwhile (a desktop that is changing) fails it with BadWindow or BadDrawable.
    if (tries > 1 && /BadWindow|BadDrawable/.test(String((e as { stderr?: Buffer }).stderr ?? ''))) return screenshot(env, tries - 1);
    throw e;
  }
}

/** XWD: a header of big-endian 32-bit fields, the window name, a colour map, then the pixels. */
export function parseXwd(file: Buffer): Screenshot {
  const field = (i: number) => file.readUInt32BE(i * 4);
  const [headerSize, version, format, , width, height, , byteOrder, , , , bitsPerPixel, bytesPerLine] = Array.from({ length: 13 }, (_, i) => field(i));
  const colours = field(19);
  // 24 bits per pixel when a window on the screen has a 24-bit visual (SDL's, ffplay's); 32 otherwise.
  if (version !== 7 || format !== 2 || (bitsPerPixel !== 32 && bitsPerPixel !== 24)) {
    throw new Error(`xwd wrote version ${version}, format ${format}, ${bitsPerPixel} bits per pixel; this parser reads version 7 ZPixmap at 24 or 32 bits`);
  }
  const pixels = headerSize + colours * 12;
  const bytes = bitsPerPixel / 8;
  const read = byteOrder === 0 ? (at: number) => file.readUIntLE(at, 3) : (at: number) => file.readUIntBE(at + bytes - 3, 3);
  return { width, height, rgb: (x, y) => read(pixels + y * bytesPerLine + x * bytes) };
}
