import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ra/kernel/testing';

/**
 * A real redis-server (Debian's package) for specs: its own folder and a free port on 127.0.0.1,
 * append-only on so that a stop and start keeps everything, as an operator runs it. Stopped by PID.
 */
export class RedisRig {
  private child?: ChildProcess;
  private log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<RedisRig> {
    const rig = new RedisRig(await mkdtemp(join(tmpdir(), 'ra-redis-')), await freePort());
    await rig.resume();
    return rig;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the server (SIGTERM: it writes its append-only file first), as an operator's restart does. */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  }

  /** Starts it again on the same port and folder. */
  async resume(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (this.log = (this.log + String(d)).slice(-4000)));
    child.stderr.on('data', (d) => (this.log = (this.log + String(d)).slice(-4000)));
    const ready = new Promise<void>((resolve, reject) => {
      const watch = (d: Buffer) => /Ready to accept connections/.test(String(d)) && resolve();
      child.stdout.on('data', watch);
      child.once('error', (e) => reject(new Error(`redis-server could not start (is Debian's redis-server installed?): ${e.message}`)));
      child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${this.log.trim()}`)));
    });
    this.child = child;
    await ready;
  }

  async stop(): Promise<void> {
    await this.pause();
    await rm(this.dir, { recursive: true, force: true });
  }
}
