import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Throwaway X servers for specs: `startXvfb()` starts a private Xvfb on a free display (the server
 * picks it through `-displayfd`), optionally with an xterm, and `stop()` kills and reaps all of it.
 * Call `stop()` in an `after`/`finally`; processes still running when Node exits are killed too.
 * The Debian packages come from `scripts/install-system.sh`.
 */
export interface XvfbOptions {
  /** Screen size in pixels; 1280×800 when left out. Depth is always 24. */
  readonly width?: number;
  readonly height?: number;
  /** Also open an xterm running a plain bash in the C.UTF-8 locale, at XTERM_GEOMETRY. */
  readonly xterm?: boolean;
}

export interface Xvfb {
  /** The display to connect to, e.g. `:3`. */
  readonly display: string;
  /** The Xvfb process. */
  readonly pid: number;
  /** `process.env` with DISPLAY set, for tools such as xdotool and xwd. */
  readonly env: NodeJS.ProcessEnv;
  /** Kills the xterm and the server and waits until they exited; idempotent. */
  stop(): Promise<void>;
}

/**
 * Where the xterm opens: 80×24 characters with its top-left corner at (40, 40), so (100, 100) is
 * inside it. There is no window manager: keyboard focus follows the pointer, so move the pointer
 * over the xterm (`xdotool mousemove 100 100`) before typing into it.
 */
export const XTERM_GEOMETRY = '80x24+40+40';

const READY_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 3000;

/** Every process started here and not yet reaped, killed if Node exits first. */
const running = new Set<ChildProcess>();
let killOnExit = false;

export async function startXvfb(options: XvfbOptions = {}): Promise<Xvfb> {
  const { width = 1280, height = 800 } = options;
  const started: ChildProcess[] = [];
  try {
    // -noreset: a server that resets whenever its last client leaves would lose what a spec drew.
    const server = launch(started, 'Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const display = `:${await displayNumber(server)}`;
    const env = { ...process.env, DISPLAY: display };
    if (options.xterm) {
      // UTF-8 whatever the caller's locale, so text beyond ASCII typed into it arrives intact.
      const xterm = launch(started, 'xterm', ['-geometry', XTERM_GEOMETRY, '-e', 'bash', '--norc', '--noprofile'], { env: { ...env, LC_ALL: 'C.UTF-8' }, stdio: 'ignore' });
      await windowShown(xterm, env);
    }
    let stopping: Promise<void> | undefined;
    return { display, pid: server.pid!, env, stop: () => (stopping ??= stopAll(started)) };
  } catch (e) {
    await stopAll(started);
    throw e;
  }
}

/** The Debian package of each program started here, for the message when one is missing. */
const PACKAGES: Record<string, string> = { Xvfb: 'xvfb', xterm: 'xterm', xdotool: 'xdotool' };

function missing(program: string): Error {
  return new Error(`${program} is not installed: install the Debian package ${PACKAGES[program]} (run scripts/install-system.sh)`);
}

function launch(started: ChildProcess[], program: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  if (!killOnExit) {
    killOnExit = true;
    process.on('exit', () => running.forEach((c) => c.kill('SIGKILL')));
  }
  const child = spawn(program, args, options);
  started.push(child);
  running.add(child);
  child.on('exit', () => running.delete(child));
  // A program that is not installed fails with ENOENT; whenReady reports it.
  child.on('error', () => running.delete(child));
  return child;
}

/**
 * Resolves with what `ready` yields, or rejects when `child` cannot start, exits first or takes
 * longer than READY_TIMEOUT_MS; `ready` polls only while `settled()` is false.
 */
function whenReady<T>(child: ChildProcess, program: string, ready: (settled: () => boolean) => Promise<T>, stderr = () => ''): Promise<T> {
  let settled = false;
  return new Promise<T>((resolve, reject) => {
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      settle();
    };
    const fail = (e: unknown) => finish(() => reject(e));
    const onError = (e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' ? missing(program) : new Error(`cannot start ${program}: ${e.message}`));
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`${program} exited (${signal ?? `code ${code}`}) before it was ready${stderr() ? `: ${stderr()}` : ''}`));
    const timer = setTimeout(() => fail(new Error(`${program} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('error', onError);
    child.on('exit', onExit);
    ready(() => settled).then((value) => finish(() => resolve(value)), fail);
  });
}

/** Xvfb writes its display number to fd 3 once it accepts connections. */
function displayNumber(server: ChildProcess): Promise<string> {
  let errors = '';
  server.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
  const lastErrors = () => errors.trim().split('\n').slice(-3).join(' / ');
  return whenReady(
    server,
    'Xvfb',
    () =>
      new Promise<string>((resolve) => {
        let written = '';
        (server.stdio[3] as Readable).on('data', (chunk: Buffer) => {
          written += chunk.toString();
          if (written.includes('\n')) resolve(written.trim());
        });
      }),
    lastErrors,
  );
}

/** Waits until the window of `child` is mapped, asking xdotool every 50 ms. */
function windowShown(child: ChildProcess, env: NodeJS.ProcessEnv): Promise<void> {
  return whenReady(child, 'xterm', async (settled) => {
    while (!settled() && !(await hasVisibleWindow(child.pid!, env))) await sleep(50);
  });
}

function hasVisibleWindow(pid: number, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('xdotool', ['search', '--onlyvisible', '--pid', String(pid)], { env }, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(missing('xdotool'));
      else resolve(stdout.trim() !== '');
    });
  });
}

/** Kills the processes newest first (clients before their server) and waits for each to exit. */
async function stopAll(started: ChildProcess[]): Promise<void> {
  for (const child of [...started].reverse()) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
