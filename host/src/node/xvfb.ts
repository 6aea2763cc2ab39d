import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '@ra/kernel/node';

/**
 * The one Xvfb launcher: RA's virtual desktop (`ra start --virtual-desktop`), the test kit and the
 * benchmarks start their X servers here (`@ra/host/xvfb`). The server picks a free display itself
 * (`-displayfd`); `stop()` ends the clients started through `spawn()`, newest first, then the server.
 * Whatever still runs when Node exits is killed. Debian packages: `scripts/install-system.sh`.
 */
export interface XvfbOptions {
  /** Screen size in pixels; 1280×800 when left out. Depth is always 24. */
  readonly width?: number;
  readonly height?: number;
  /** Let in only clients holding a fresh MIT-MAGIC-COOKIE-1, written to this file (0600); `stop()` removes it. */
  readonly authority?: string;
}

export interface Xvfb {
  /** The display to connect to, e.g. `:3`. */
  readonly display: string;
  /** The Xvfb process. */
  readonly pid: number;
  /** `process.env` with DISPLAY (and XAUTHORITY) set, for clients such as xterm, xdotool and xwd. */
  readonly env: NodeJS.ProcessEnv;
  /** Starts a client of this server, with `env` and no stdio unless `options` say otherwise; `whenReady` reports a failed start. */
  spawn(program: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Stops the clients and the server and waits until they exited; idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 3000;

/** Every process started here and not yet reaped, killed if Node exits first. */
const running = new Set<ChildProcess>();
let killOnExit = false;

export async function startXvfb(options: XvfbOptions = {}): Promise<Xvfb> {
  const { width = 1280, height = 800, authority } = options;
  const started: ChildProcess[] = [];
  const stopAll = async () => {
    await stopInTurn(started);
    if (authority) await rm(authority, { force: true });
  };
  try {
    const auth: string[] = [];
    if (authority) {
      await writeFileAtomic(authority, cookieFile(randomBytes(16)), 0o600);
      auth.push('-auth', authority);
    }
    // -noreset: a server that resets whenever its last client leaves would lose what was drawn.
    const args = ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset', ...auth];
    const server = launch(started, 'Xvfb', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const display = `:${await displayNumber(server)}`;
    const env = { ...process.env, DISPLAY: display, ...(authority && { XAUTHORITY: authority }) };
    let stopping: Promise<void> | undefined;
    return {
      display,
      pid: server.pid!,
      env,
      spawn: (program, args, spawnOptions = {}) => launch(started, program, args, { env, stdio: 'ignore', ...spawnOptions }),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The error for a program that is not installed, naming its Debian package. */
export function notInstalled(program: string, debianPackage: string): Error {
  return new Error(`${program} is not installed: install the Debian package ${debianPackage} (run scripts/install-system.sh)`);
}

/**
 * Resolves with what `ready` yields, or rejects when `child` cannot start, exits first or takes
 * longer than 10 s; `ready` should poll only while `settled()` is false.
 */
export function whenReady<T>(
  child: ChildProcess,
  program: string,
  debianPackage: string,
  ready: (settled: () => boolean) => Promise<T>,
  stderr = () => '',
): Promise<T> {
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
    const onError = (e: NodeJS.ErrnoException) =>
      fail(e.code === 'ENOENT' ? notInstalled(program, debianPackage) : new Error(`cannot start ${program}: ${e.message}`));
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`${program} exited (${signal ?? `code ${code}`}) before it was ready${stderr() ? `: ${stderr()}` : ''}`));
    const timer = setTimeout(() => fail(new Error(`${program} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('error', onError);
    child.on('exit', onExit);
    ready(() => settled).then((value) => finish(() => resolve(value)), fail);
  });
}

function launch(started: ChildProcess[], program: string, args: string[], options: SpawnOptions): ChildProcess {
  if (!killOnExit) {
    killOnExit = true;
    process.on('exit', () => running.forEach((c) => c.kill('SIGKILL')));
  }
  const child = spawn(program, args, options);
  started.push(child);
  running.add(child);
  child.on('exit', () => running.delete(child));
  // A program that is not installed fails with ENOENT: whenReady reports it, or nobody needs to know.
  child.on('error', () => running.delete(child));
  return child;
}

/** Xvfb writes its display number to fd 3 once it accepts connections; its stderr explains a failure. */
function displayNumber(server: ChildProcess): Promise<string> {
  let errors = '';
  server.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
  const lastErrors = () => errors.trim().split('\n').slice(-3).join(' / ');
  const number = () =>
    new Promise<string>((resolve) => {
      let written = '';
      (server.stdio[3] as Readable).on('data', (chunk: Buffer) => {
        written += chunk.toString();
        if (written.includes('\n')) resolve(written.trim());
      });
    });
  return whenReady(server, 'Xvfb', 'xvfb', number, lastErrors);
}

/** Kills the processes newest first (clients before their server) and waits for each to exit. */
async function stopInTurn(started: ChildProcess[]): Promise<void> {
  for (const child of [...started].reverse()) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** One Xauthority entry: any address (FamilyWild), any display, MIT-MAGIC-COOKIE-1. */
function cookieFile(cookie: Buffer): Buffer {
  const field = (data: Buffer) => Buffer.concat([u16(data.length), data]);
  return Buffer.concat([u16(0xffff), field(Buffer.alloc(0)), field(Buffer.alloc(0)), field(Buffer.from('MIT-MAGIC-COOKIE-1')), field(cookie)]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
