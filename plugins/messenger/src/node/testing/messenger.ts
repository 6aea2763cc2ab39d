import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@ra/kernel';
import { MessengerServer, type ServerOptions } from '../../server/server.js';
import { AccountFile } from '../account.js';
import { MessengerClient } from '../client.js';
import type { ConnectionOptions } from '../connection.js';
import type { MessengerPolicy, MessengerSettings } from '../policy.js';

/** The real server in this process, in a fresh data folder, with a cheap scrypt so specs do not wait on hashing. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<{ server: MessengerServer; data: string; stop(): Promise<void> }> {
  const data = options.data ?? (await mkdtemp(join(tmpdir(), 'ra-messenger-server-')));
  const server = await MessengerServer.start({ data, host: '127.0.0.1', port: 0, registration: true, scrypt: { N: 2 ** 10, r: 8, p: 1 }, ...options });
  return {
    server,
    data,
    async stop() {
      await server.close();
      if (!options.data) await rm(data, { recursive: true, force: true });
    },
  };
}

/** Every line a client logged, so a spec can check that no secret reached the log. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** A client as the plugin makes it, in its own RA home. */
export async function clientIn(
  home?: string,
  options: { settings?: Partial<MessengerSettings>; policy?: Partial<MessengerPolicy>; connection?: ConnectionOptions } = {},
): Promise<{ client: MessengerClient; home: string; log: string[]; dispose(): Promise<void> }> {
  const dir = home ?? (await mkdtemp(join(tmpdir(), 'ra-messenger-home-')));
  const logger = recordingLogger();
  const client = new MessengerClient({
    accounts: new AccountFile(dir),
    settings: () => ({ presence: 'online', ...options.settings }),
    policy: () => ({ servers: [], allowRegistration: true, ...options.policy }),
    logger,
    ...(options.connection ? { connection: options.connection } : {}),
  });
  await client.start();
  return {
    client,
    home: dir,
    log: logger.lines,
    async dispose() {
      client.dispose();
      if (!home) await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function until(done: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
