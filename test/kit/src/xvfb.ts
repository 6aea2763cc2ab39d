import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { notInstalled, startXvfb as startServer, whenReady, type Xvfb } from '@ra/host/xvfb';

export type { Xvfb };

/**
 * Throwaway X servers for specs, from RA's one launcher (`@ra/host/xvfb`): a private Xvfb on a free
 * display, optionally with an xterm. Call `stop()` in an `after`/`finally`; processes still running
 * when Node exits are killed too. The Debian packages come from `scripts/install-system.sh test`.
 */
export interface XvfbOptions {
  /** Screen size in pixels; 1280×800 when left out. Depth is always 24. */
  readonly width?: number;
  readonly height?: number;
  /** Also open an xterm running a plain bash in the C.UTF-8 locale, at XTERM_GEOMETRY, and wait until it shows. */
  readonly xterm?: boolean;
}

/**
 * Where the xterm opens: 80×24 characters with its top-left corner at (40, 40), so (100, 100) is
 * inside it. There is no window manager: keyboard focus follows the pointer, so move the pointer
 * over the xterm (`xdotool mousemove 100 100`) before typing into it.
 */
export const XTERM_GEOMETRY = '80x24+40+40';

export async function startXvfb(options: XvfbOptions = {}): Promise<Xvfb> {
  const xvfb = await startServer({ width: options.width, height: options.height });
  if (!options.xterm) return xvfb;
  try {
    // UTF-8 whatever the caller's locale, so text beyond ASCII typed into it arrives intact.
    const xterm = xvfb.spawn('xterm', ['-geometry', XTERM_GEOMETRY, '-e', 'bash', '--norc', '--noprofile'], { env: { ...xvfb.env, LC_ALL: 'C.UTF-8' } });
    await whenReady(xterm, 'xterm', 'xterm', async (settled) => {
      while (!settled() && !(await hasVisibleWindow(xterm.pid!, xvfb.env))) await sleep(50);
    });
    return xvfb;
  } catch (e) {
    await xvfb.stop();
    throw e;
  }
}

function hasVisibleWindow(pid: number, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('xdotool', ['search', '--onlyvisible', '--pid', String(pid)], { env }, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(notInstalled('xdotool', 'xdotool'));
      else resolve(stdout.trim() !== '');
    });
  });
}
