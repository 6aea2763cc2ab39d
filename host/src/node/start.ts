import { Kernel } from '@ra/kernel/node';
import { CliError } from './cli-error.js';
import { kernelOptions, type Environment } from './environment.js';
import { pluginTable, policyLine } from './format.js';
import { clearStatus, readStatus, writeStatus } from './status.js';
import { KERNEL_VERSION } from '@ra/kernel';

/** `ra start`: boots the kernel, applies settings changes live, and runs until SIGINT or SIGTERM. */
export async function start(env: Environment, version: string): Promise<void> {
  const running = await readStatus(env.home);
  if (running) throw new CliError(`RA is already running for ${env.home} (pid ${running.pid})`);
  const started = new Date();
  const t0 = performance.now();
  const kernel = await Kernel.start(kernelOptions(env));
  await kernel.watchSettings();
  await writeStatus(env.home, kernel, started);
  kernel.onDidChange(() => {
    void writeStatus(env.home, kernel, started).catch((e) => env.logger.error(`cannot write host status: ${(e as Error).message}`));
    for (const r of kernel.records()) env.logger.info(`${r.id}: ${r.state}${r.reason ? ` (${r.reason})` : ''}`);
  });
  const out = process.stdout;
  out.write(`RA ${version} (kernel ${KERNEL_VERSION})\n${policyLine(kernel.policy())}\n${pluginTable(kernel.records())}\n`);
  out.write(`ready in ${Math.round(performance.now() - t0)} ms; settings: ${kernel.settingsStore.path}; Ctrl+C stops RA\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await kernel.stop();
  await clearStatus(env.home);
  out.write('RA stopped\n');
}
