import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '@ra/kernel/node';

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
  private constructor(
    readonly display: string,
    private readonly server: ChildProcess,
    private readonly terminal: ChildProcess | undefined,
    private readonly authority: string,
  ) {}

  static readonly size = `${SCREEN.width}x${SCREEN.height}`;

  /** Starts it and points DISPLAY and XAUTHORITY of this process (and so of every plugin) at it. */
  static async start(runFolder: string): Promise<VirtualDesktop> {
    const authority = join(runFolder, 'xauthority');
    await writeFileAtomic(authority, cookieFile(randomBytes(16)), 0o600);
    const server = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${VirtualDesktop.size}x24`, '-nolisten', 'tcp', '-auth', authority], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let number: string;
    try {
      number = await displayNumber(server);
    } catch (e) {
      server.kill('SIGKILL');
      await rm(authority, { force: true });
      throw e;
    }
    const display = `:${number}`;
    Object.assign(process.env, { DISPLAY: display, XAUTHORITY: authority });
    const terminal = spawn('xterm', [], { stdio: 'ignore' });
    terminal.once('error', () => undefined); // no xterm: the desktop still works, just empty
    return new VirtualDesktop(display, server, terminal, authority);
  }

  async stop(): Promise<void> {
    await Promise.all([this.terminal, this.server].map((p) => p && ended(p)));
    await rm(this.authority, { force: true });
  }
}

/** Xvfb writes its display number to fd 3 once it accepts clients; its stderr explains a failure. */
function displayNumber(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let number = '';
    let errors = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000);
    server.stderr!.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-2000)));
    (server.stdio[3] as Readable).on('data', (d: Buffer) => {
      number += d.toString();
      if (!number.includes('\n')) return;
      clearTimeout(timer);
      resolve(number.trim());
    });
    server.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? 'Xvfb is not installed' : `cannot start Xvfb: ${e.message}`));
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      const last = errors.trim().split('\n').filter(Boolean).pop();
      reject(new Error(`Xvfb exited with code ${code}${last ? `: ${last}` : ''}`));
    });
  });
}

/** Stops a child and waits for it, SIGKILL after three seconds. */
async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
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
