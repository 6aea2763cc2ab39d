import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, type CliContext, type CliHandler } from '@ra/kernel';
import { MESSENGER_PATH } from '../common/protocol.js';
import { runningServer, type UserAdmin } from '../server/admin.js';
import { localHub } from '../server/hub.js';
import { DEFAULT_LIMITS } from '../server/config.js';
import { FileStore } from '../server/file-store.js';
import { FolderLocked } from '../server/lock.js';
import { Messenger } from '../server/messenger.js';
import { PasswordHasher } from '../server/passwords.js';
import { RedisBus } from '../server/redis/bus.js';
import { RedisLink } from '../server/redis/link.js';
import { RedisRates } from '../server/redis/rates.js';
import { RedisRelayTokens } from '../server/redis/relay-tokens.js';
import { RedisStore } from '../server/redis/store.js';
import { RelayTokens } from '../server/relay/tokens.js';
import { MessengerServer, messengerAdmin } from '../server/server.js';
import { redisUrl } from './redis-url.js';

/** `ra messenger serve` and `ra messenger user add|remove|list`. */
export const serverVerbs: Readonly<Record<string, CliHandler>> = {
  async serve(ctx) {
    if (ctx.args.length > 1) throw new UsageError(`ra messenger serve takes no words after it; got '${ctx.args[1]}'`);
    const host = ctx.text('host') ?? '0.0.0.0';
    const port = portOption(ctx, 'port') ?? 8443;
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const redis = await redisUrl(ctx);
    if (!redis && (ctx.text('public') || ctx.text('internal')))
      throw new UsageError('--public and --internal name a node of a messenger on Redis: add --redis URL');
    const server = await MessengerServer.start({
      data: dataFolder(ctx),
      host,
      port,
      relayPort: portOption(ctx, 'relay-port'),
      registration: ctx.options['no-registration'] !== true,
      log,
      ...perAddress(ctx),
      ...(redis ? { cluster: { redis, public: ctx.text('public') ?? publicHost(host), internal: ctx.text('internal') } } : {}),
    });
    const url = `wss://${publicHost(host)}:${server.port}${MESSENGER_PATH}`;
    if (ctx.json) ctx.printJson({ url, port: server.port, relayPort: server.relayPort, fingerprint: server.fingerprint });
    else ctx.print(`RA messenger at ${url}, relay port ${server.relayPort}, fingerprint ${server.fingerprint}`);
    const signal = await new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
    log(`${signal}: stopping`);
    await server.close();
  },

  async user(ctx) {
    const [, action, name, ...extra] = ctx.args;
    const needsName = action === 'add' || action === 'remove';
    if (!['add', 'remove', 'list'].includes(action ?? '') || (needsName && !name) || extra.length || (!needsName && name))
      throw new UsageError('ra messenger user takes: add NAME --name "Display Name" --password-file FILE | remove NAME | list');
    if (action === 'add') {
      const password = await ctx.password();
      if (password === undefined) throw new UsageError('ra messenger user add needs the password: --password-file FILE or --password-stdin');
      const displayName = ctx.text('name') ?? name;
      await withAdmin(ctx, (admin) => admin.add(name, displayName, password));
      return ctx.json ? ctx.printJson({ added: name }) : ctx.print(`Added ${name} (${displayName}).`);
    }
    if (action === 'remove') {
      if (!(await withAdmin(ctx, (admin) => admin.remove(name)))) throw new Error(`there is no user ${name}`);
      return ctx.json ? ctx.printJson({ removed: name }) : ctx.print(`Removed ${name}: their devices are signed out, their contacts and invitations gone.`);
    }
    const users = await withAdmin(ctx, (admin) => admin.list());
    if (ctx.json) return ctx.printJson(users);
    if (!users.length) return ctx.print('No users yet.');
    ctx.print(ctx.table([['USER', 'CREATED', 'NAME'], ...users.map((u) => [u.user, ctx.localTime(u.created), u.displayName])]));
  },
};

/** Where clients reach a node that listens on every address: this machine's name. */
function publicHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? hostname() : host;
}

function dataFolder(ctx: CliContext): string {
  const data = ctx.text('data');
  return data ? resolve(ctx.cwd, data) : join(homedir(), '.local', 'share', 'ra-messenger');
}

function perAddress(ctx: CliContext): { limits?: { connectionsPerAddress: number } } {
  const text = ctx.text('per-address');
  if (text === undefined) return {};
  const n = Number(text);
  if (!/^\d{1,6}$/.test(text) || n < 1) throw new UsageError(`--per-address must be a number of connections, at least 1; got '${text}'`);
  return { limits: { connectionsPerAddress: n } };
}

function portOption(ctx: CliContext, name: string): number | undefined {
  const text = ctx.text(name);
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new UsageError(`--${name} must be a port number, 0 to 65535; got '${text}'`);
  return port;
}

/** With --redis, on Redis (every node sees the change; a removed user's devices are signed out wherever they are); else on the data folder. */
async function withAdmin<T>(ctx: CliContext, task: (admin: UserAdmin) => Promise<T>): Promise<T> {
  const redis = await redisUrl(ctx);
  return redis ? withCluster(redis, task) : withFolder(dataFolder(ctx), task);
}

async function withCluster<T>(url: string, task: (admin: UserAdmin) => Promise<T>): Promise<T> {
  const link = await RedisLink.open(url, () => undefined);
  const bus = new RedisBus(
    link,
    `admin-${process.pid}`,
    async () => undefined,
    () => undefined,
  );
  try {
    const hub = { ...localHub(new RedisStore(link), DEFAULT_LIMITS, () => undefined), bus, rates: new RedisRates(link) };
    return await task(messengerAdmin(new Messenger(hub, new PasswordHasher(), false, new RedisRelayTokens(link), () => ({ tcpPort: 0, wsPort: 0 }))));
  } finally {
    bus.close();
    await link.close();
  }
}

/**
 * Runs `task` through the server running on `data` (its admin socket), so its live state stays right;
 * with none running, on the store itself, holding the folder's lock meanwhile.
 */
async function withFolder<T>(data: string, task: (admin: UserAdmin) => Promise<T>): Promise<T> {
  const running = await runningServer(data);
  if (running) return task(running);
  let store: FileStore;
  try {
    store = await FileStore.open(data);
  } catch (e) {
    if (!(e instanceof FolderLocked)) throw e;
    // A server may have started just now: its socket answers once it is up.
    await new Promise((done) => setTimeout(done, 1000));
    const started = await runningServer(data);
    if (started) return task(started);
    throw new Error(`${e.message}, which does not answer on its admin socket; try again when it has started or stopped`);
  }
  try {
    const hub = localHub(store, DEFAULT_LIMITS, () => undefined);
    const messenger = new Messenger(hub, new PasswordHasher(), false, new RelayTokens(), () => ({ tcpPort: 0, wsPort: 0 }));
    return await task(messengerAdmin(messenger));
  } finally {
    await store.close();
  }
}
