import type { ScreenGeometry } from '@ra/plugin-screen/api';
import type { Size } from 'x11';
import type { XConnection } from './connection.js';

/** Refuses screens whose pixels are not the BGRX that ScreenUpdate carries. */
export function checkPixelFormat(conn: XConnection): void {
  const depth = conn.screen.root_depth;
  const bits = conn.display.format[depth]?.bits_per_pixel;
  if (depth !== 24 || bits !== 32 || conn.display.image_byte_order !== 0) {
    const order = conn.display.image_byte_order === 0 ? 'little' : 'big';
    throw new Error(
      `the X server at ${conn.name} stores its ${depth}-bit screen as ${bits}-bit ${order}-endian pixels; ra.x11 captures only 24-bit colour in 32-bit little-endian pixels`,
    );
  }
}

/**
 * The size of the root window: what GetImage reads and what RRScreenChangeNotify reports later.
 * RandR's GetScreenInfo is no substitute: it describes the first output's mode, which is smaller
 * than the root on a multi-monitor desktop, and lists no size at all once a client set the screen
 * size directly (as `xrandr --fb` does).
 */
export async function screenSize(conn: XConnection): Promise<ScreenGeometry> {
  const { width, height } = await conn.request<Size>((cb) => conn.client.GetGeometry(conn.screen.root, cb));
  return { width, height };
}
