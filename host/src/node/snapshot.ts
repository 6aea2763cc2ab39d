import { resolve } from 'node:path';
import { RemoteScreen, type ScreenPicture } from '@ra/kernel';
import { Kernel, within, writeFileAtomic } from '@ra/kernel/node';
import { LocalApiClient } from './api-client.js';
import { openRequest, type OpenOptions } from './api-commands.js';
import { CliError } from './cli-error.js';
import { kernelOptions, type Environment } from './environment.js';
import { describeSession } from './format.js';
import { encodePng } from './png.js';
import type { SessionView } from './views.js';
import { apiRouter } from './web/server.js';

export interface SnapshotOptions extends OpenOptions {
  readonly out: string;
  readonly timeoutMs: number;
}

/**
 * `ra open FILE --snapshot OUT.png`: a helper with no web UI. Boots a kernel here, opens the
 * session through the same API routes the host serves, saves the first picture of the novice's
 * screen and hangs up.
 */
export async function snapshot(env: Environment, file: string, o: SnapshotOptions, json: boolean): Promise<void> {
  const body = await openRequest(file, o);
  const out = resolve(o.out);
  const kernel = await Kernel.start(kernelOptions(env));
  try {
    const api = new LocalApiClient(apiRouter(kernel, env.logger));
    const session = await api.call<SessionView>('POST', '/api/sessions/open', body);
    if (!json) process.stdout.write(`${describeSession(session)}\n`);
    let picture: ScreenPicture;
    try {
      const seconds = Math.round(o.timeoutMs / 1000);
      picture = await within(kernel.get(RemoteScreen).firstFrame(session.id, o.timeoutMs), o.timeoutMs + 1000, `no picture within ${seconds} s`);
    } catch (e) {
      throw new CliError(`no snapshot of session ${session.id}: ${(e as Error).message}`);
    } finally {
      await api.call('POST', `/api/sessions/${encodeURIComponent(session.id)}/disconnect`).catch((e: Error) => {
        env.logger.warn(`could not disconnect session ${session.id}: ${e.message}`);
      });
    }
    await writeFileAtomic(out, encodePng(picture), 0o600);
    const saved = { path: out, width: picture.width, height: picture.height };
    process.stdout.write(json ? `${JSON.stringify({ session, snapshot: saved }, null, 2)}\n` : `Saved the novice's screen (${picture.width}x${picture.height}) to ${out}\n`);
  } finally {
    await kernel.stop();
  }
}
