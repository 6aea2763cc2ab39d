import { connect } from 'node:net';
import { join } from 'node:path';
import { startXvfb, type Xvfb } from './xvfb.js';

/** The private desktop's size, in pixels; `1280x800x24` to Xvfb. */
const SCREEN = { width: 1280, height: 800 };

/** Whether an X server accepts connections at `display` (`:0`, `unix:1`, `host:0`); nothing is sent. */
export async function displayReachable(display: string | undefined): Promise<boolean> {
  const match = /^([^:]*):(\d+)(\.\d+)?$/.exec(display ?? '');
  if (!match) return false;
  const [, host, n] = match;
  if (host && host !== 'unix') return accepts({ host, port: 6000 + Number(n) });
  const path = `/tmp/.X11-unix/X${n}`;
  return (await accepts({ path })) || accepts({ path: `\0${path}` }); // Linux also has an abstract socket
}

function accepts(target: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A private X server (Xvfb) with an xterm, for a machine with no desktop session. Only RA and what
 * it starts get in: the server wants a cookie from a 0600 file in RA's run folder.
 */
export class VirtualDesktop {
  private constructor(private readonly xvfb: Xvfb) {}

  static readonly size = `${SCREEN.width}x${SCREEN.height}`;

  get display(): string {
    return this.xvfb.display;
  }

  /** Starts it and points DISPLAY and XAUTHORITY of this process (and so of every plugin) at it. */
  static async start(runFolder: string): Promise<VirtualDesktop> {
    const xvfb = await startXvfb({ ...SCREEN, authority: join(runFolder, 'xauthority') });
    Object.assign(process.env, { DISPLAY: xvfb.env.DISPLAY, XAUTHORITY: xvfb.env.XAUTHORITY });
    xvfb.spawn('xterm', []); // no xterm: the desktop still works, just empty
    return new VirtualDesktop(xvfb);
  }

  stop(): Promise<void> {
    return this.xvfb.stop();
  }
}
