import type { Disposable, Logger } from '@ra/kernel';
import type { CaptureSink, CaptureSource, ScreenGeometry } from '@ra/plugin-screen/api';
import { CONNECT_TIMEOUT_MS, XConnection } from './connection.js';
import type { DesktopGuards, GuardLease } from './desktop-guard.js';
import { screenSize } from './screen.js';
import { X11CaptureStream } from './x11-capture-stream.js';

export interface X11CaptureOptions {
  /** `false` reads pixels with core GetImage even where MIT-SHM works; default true. */
  readonly sharedMemory?: boolean;
  readonly logger?: Logger;
  /** What helpers may not see: protected windows, RA's indicator. Without, the screen is sent as it is (tests of the capture alone). */
  readonly guards?: DesktopGuards;
}

/** The `x11` capture source: any X server this process may connect to, e.g. `:0`. */
export class X11CaptureSource implements CaptureSource, Disposable {
  readonly id = 'x11';
  readonly title = 'X11 desktop';
  private readonly streams = new Set<X11CaptureStream>();

  constructor(private readonly options: X11CaptureOptions = {}) {}

  async available(display: string): Promise<boolean> {
    try {
      const conn = await XConnection.open(display, { timeoutMs: CONNECT_TIMEOUT_MS, sharedMemory: false });
      await conn.close();
      return true;
    } catch {
      return false;
    }
  }

  async geometry(display: string): Promise<ScreenGeometry> {
    const conn = await XConnection.open(display, { timeoutMs: CONNECT_TIMEOUT_MS, sharedMemory: false });
    try {
      return await screenSize(conn);
    } finally {
      await conn.close();
    }
  }

  async start(display: string, sink: CaptureSink): Promise<X11CaptureStream> {
    const { logger, sharedMemory = true } = this.options;
    const conn = await XConnection.open(display, {
      timeoutMs: CONNECT_TIMEOUT_MS,
      sharedMemory,
      onProtocolError: (e) => logger?.debug(`ra.x11: X error from ${display}: ${e.message}`),
    });
    let stream: X11CaptureStream | undefined;
    let lease: GuardLease | undefined;
    try {
      lease = await this.options.guards?.lease(display);
      const guard = lease?.guard;
      stream = await X11CaptureStream.start(conn, sink, {
        sharedMemory,
        logger,
        guard,
        stopped: () => {
          lease?.dispose();
          if (stream) this.streams.delete(stream);
        },
      });
    } catch (e) {
      lease?.dispose();
      await conn.close();
      throw e;
    }
    this.streams.add(stream);
    return stream;
  }

  /** Stops every stream still running, e.g. when the plugin is deactivated; their sinks hear why. */
  async dispose(): Promise<void> {
    await Promise.all([...this.streams].map((s) => s.abandon('the X11 capture plugin stopped')));
  }
}
