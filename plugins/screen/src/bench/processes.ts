import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ShapedLink } from '@ra/test-kit';

export const run = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * User + system CPU time of a process and every process it started (RA's video encoders), so far, in ms (10 ms ticks):
 * those running, and those that ended (their parent's cutime and cstime), so an encoder stopped meanwhile still counts.
 */
export function cpuMs(pid: number): number {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ');
        return [{ pid: Number(name), parent: Number(fields[1]), ms: fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) * 10 }];
      } catch {
        return []; // It ended meanwhile.
      }
    });
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of stats) if (!tree.has(p.pid) && tree.has(p.parent)) grew = tree.add(p.pid) !== undefined;
  }
  return stats.filter((p) => tree.has(p.pid)).reduce((sum, p) => sum + p.ms, 0);
}

/** Starts a background process and returns a stop function that waits for it to exit. */
export function background(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; output: () => string; stop(): Promise<void> } {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `pattern` appears in the output, or fails with the output so far. */
export async function waitFor(output: () => string, pattern: RegExp, what: string, ms = 20_000): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${ms / 1000} s:\n${output()}`);
    await sleep(50);
  }
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** TigerVNC's x0vncserver on `display`, on 127.0.0.1:`port` only (in the shaped link's namespace when given), without authentication, shared by every viewer. */
export function x0vncserver(display: string, port: number, link?: ShapedLink): ReturnType<typeof background> {
  const args = [
    '-display',
    display,
    '-rfbport',
    String(port),
    '-localhost=1',
    '-interface',
    '127.0.0.1',
    '-UseIPv6=0',
    '-SecurityTypes',
    'None',
    '-AlwaysShared=1',
  ];
  return link ? background(...link.wrap('X0tigervnc', args)) : background('X0tigervnc', args);
}
