import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PluginRecord, PolicyState } from '@ra/kernel';
import { isMissing, writeFileAtomic, type Kernel } from '@ra/kernel/node';

/** Where the running host's local API listens, and its secret. */
export interface HostApi {
  readonly url: string;
  readonly secret: string;
}

/**
 * What a running host publishes in `$RA_HOME/run/host.json`, so the CLI can report live states and
 * call the API. It holds the API secret: the file is 0600 in a 0700 folder.
 */
export interface HostStatus {
  readonly pid: number;
  readonly api?: HostApi;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly policy: Omit<PolicyState, 'policy'>;
  readonly plugins: PluginRecord[];
}

export function statusPath(home: string): string {
  return join(home, 'run', 'host.json');
}

export async function writeStatus(home: string, kernel: Kernel, startedAt: Date, api?: HostApi): Promise<void> {
  const { policy: _, ...policy } = kernel.policy();
  const status: HostStatus = {
    pid: process.pid,
    api,
    startedAt: startedAt.toISOString(),
    updatedAt: new Date().toISOString(),
    policy,
    plugins: kernel.records(),
  };
  const path = statusPath(home);
  // mkdir's mode applies only to a folder it creates; an older one is narrowed here.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  await writeFileAtomic(path, `${JSON.stringify(status, null, 2)}\n`, 0o600);
}

/** The running host's status, or undefined when none runs (a stale file from a crash is ignored). */
export async function readStatus(home: string): Promise<HostStatus | undefined> {
  let status: HostStatus;
  try {
    status = JSON.parse(await readFile(statusPath(home), 'utf8')) as HostStatus;
  } catch (e) {
    if (isMissing(e) || e instanceof SyntaxError) return undefined;
    throw e;
  }
  return alive(status.pid) ? status : undefined;
}

export async function clearStatus(home: string): Promise<void> {
  await rm(statusPath(home), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
