import inspector from 'node:inspector';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { KERNEL_VERSION } from '@ra/kernel';
import { Kernel } from '@ra/kernel/node';
import { CliError } from './cli-error.js';
import { displayReachable, VirtualDesktop } from './desktop.js';
import { kernelOptions, type Environment } from './environment.js';
import { pluginTable, policyLine } from './format.js';
import { clearStatus, readStatus, writeStatus } from './status.js';
import { WebServer } from './web/server.js';

export interface StartOptions {
  /** The novice's listening port for helpers, over RA_PORT and the session plugin's setting. */
  readonly port?: number;
  /** The local web UI's port; 0 picks a free one. */
  readonly uiPort: number;
  readonly display?: string;
  readonly virtualDesktop: boolean;
}

/** `ra start`: boots the kernel and the local web UI, applies settings changes live, runs until SIGINT or SIGTERM. */
export async function start(env: Environment, version: string, o: StartOptions): Promise<void> {
  const running = await readStatus(env.home);
  if (running) throw new CliError(`RA is already running for ${env.home} (pid ${running.pid})`);
  // Listen first: a signal during boot must still stop the desktop and plugins started so far.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const out = process.stdout;
  const started = new Date();
  const t0 = performance.now();
  const display = o.display ?? env.display;
  const desktop = await prepareDesktop(env, display, o.virtualDesktop);
  let kernel: Kernel | undefined;
  let web: WebServer | undefined;
  let published = false;
  let writes = Promise.resolve();
  try {
    const options = kernelOptions({ ...env, display: desktop?.display ?? display, listenPort: o.port ?? env.listenPort });
    // A plugin's stray throw or rejection fails that plugin only; anything else still ends RA as Node would. Under a
    // debugger a paused loop is no stall.
    const watchdogMs = inspector.url() === undefined ? env.watchdogMs : undefined;
    kernel = await Kernel.start({ ...options, onUnownedFault: crash, watchdogMs });
    web = await WebServer.start(kernel, o.uiPort, env.logger);
    await kernel.watchSettings();
    const api = { url: web.url, secret: web.secret };
    const publish = () => {
      writes = writes
        .then(() => writeStatus(env.home, kernel!, started, api))
        .catch((e) => env.logger.error(`cannot write host status: ${(e as Error).message}`));
      return writes;
    };
    await publish();
    published = true;
    kernel.onDidChange(() => {
      if (published) void publish();
      for (const r of kernel!.records()) env.logger.info(`${r.id}: ${r.state}${r.reason ? ` (${r.reason})` : ''}`);
    });
    out.write(`RA ${version} (kernel ${KERNEL_VERSION})\n${policyLine(kernel.policy())}\n${pluginTable(kernel.records())}\n`);
    out.write(`ready in ${Math.round(performance.now() - t0)} ms; settings: ${kernel.settingsStore.path}; Ctrl+C stops RA\n`);
    out.write(`Open RA: ${web.openUrl}\n`);
    await stopped;
  } finally {
    published = false;
    await web?.close();
    await kernel?.stop();
    await writes;
    await clearStatus(env.home);
    await desktop?.stop();
  }
  out.write('RA stopped\n');
}

/** An error no plugin owns: print it and exit 1, as Node does when nothing handles it. */
function crash(error: unknown): never {
  process.stderr.write(`${inspect(error)}\n`);
  process.exit(1);
}

/** Makes sure plugins find a display, or says plainly why helpers will see no screen and how to fix it. */
async function prepareDesktop(env: Environment, display: string | undefined, virtual: boolean): Promise<VirtualDesktop | undefined> {
  if (await displayReachable(display)) return undefined;
  const why = display ? `the X display ${display} does not answer` : 'DISPLAY is not set';
  const out = process.stdout;
  if (virtual) {
    try {
      const desktop = await VirtualDesktop.start(join(env.home, 'run'));
      out.write(`No X display was reachable, so RA started a private virtual desktop on ${desktop.display} (${VirtualDesktop.size}) with an xterm.\n`);
      return desktop;
    } catch (e) {
      out.write(`No X display is reachable (${why}) and RA could not start a virtual desktop: ${(e as Error).message}.\n`);
      out.write('Helpers will see no screen. Install Xvfb with scripts/install-system.sh product, or run RA inside your desktop session.\n');
      return undefined;
    }
  }
  out.write(`No X display is reachable (${why}), so helpers will see no screen.\n`);
  out.write(
    'To fix it, run RA inside your desktop session, name the display with --display :0, or let RA start a private one with ' +
      '--virtual-desktop (Xvfb; install it with scripts/install-system.sh product).\n',
  );
  return undefined;
}
