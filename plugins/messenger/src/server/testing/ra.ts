import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo's `ra` (host/dist/node/main.js), run as a user would, with its own RA_HOME. */
export const RA = fileURLToPath(new URL('../../../../../host/dist/node/main.js', import.meta.url));

export async function raEnv(): Promise<NodeJS.ProcessEnv> {
  return { ...process.env, RA_HOME: await mkdtemp(join(tmpdir(), 'ra-home-')), RA_UNMANAGED: '1' };
}

export function ra(env: NodeJS.ProcessEnv, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [RA, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

export interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  readonly relayPort: number;
  readonly fingerprint: string;
  readonly line: string;
  stderr(): string;
}

/** `ra messenger serve …` as a child process; resolves on its one line, rejects if it exits first. */
export function serve(env: NodeJS.ProcessEnv, args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [RA, 'messenger', 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      const m = /^RA messenger at wss:\/\/[^:]+:(\d+)\/messenger, relay port (\d+), fingerprint ([0-9A-F:]{95})\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), relayPort: Number(m[2]), fingerprint: m[3], line: out.trim(), stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`ra messenger serve exited ${code} before it served: ${err.trim() || out.trim()}`)));
  });
}

/** Stops each server still running, by its PID, as an operator's restart does (SIGTERM), and waits for it. */
export async function stopServed(servers: readonly Served[]): Promise<void> {
  for (const { child } of servers) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  }
}
