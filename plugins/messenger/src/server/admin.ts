import { chmod, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { compileSchema } from '@ra/kernel/node';

/** `ra messenger user …`: what both a running server and the store on disk can do. */
export interface UserAdmin {
  add(user: string, displayName: string, password: string): Promise<void>;
  /** False when there was no such user. */
  remove(user: string): Promise<boolean>;
  list(): Promise<UserSummary[]>;
}

export interface UserSummary {
  readonly user: string;
  readonly displayName: string;
  /** ISO time. */
  readonly created: string;
}

type Request = { op: 'add'; user: string; displayName: string; password: string } | { op: 'remove'; user: string } | { op: 'list' };
type Reply = { ok: true; removed?: boolean; users?: UserSummary[] } | { ok: false; error: string };

export const ADMIN_SOCKET = 'admin.sock';
const MAX_LINE = 16 * 1024;
const TIMEOUT_MS = 30_000;

const checkRequest = compileSchema<Request>(
  {
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['op', 'user', 'displayName', 'password'],
        properties: { op: { const: 'add' }, user: { type: 'string' }, displayName: { type: 'string' }, password: { type: 'string' } },
      },
      { type: 'object', additionalProperties: false, required: ['op', 'user'], properties: { op: { const: 'remove' }, user: { type: 'string' } } },
      { type: 'object', additionalProperties: false, required: ['op'], properties: { op: { const: 'list' } } },
    ],
  },
  'the admin request is malformed',
);

/**
 * The running server's admin socket, `<data>/admin.sock` (0600, in a 0700 folder): one JSON line in,
 * one out. `ra messenger user …` goes through it while a server runs on the folder, so the change
 * reaches the live state (a removed user's devices are signed out at once).
 */
export class AdminServer {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  static async listen(dir: string, admin: UserAdmin): Promise<AdminServer> {
    const path = join(dir, ADMIN_SOCKET);
    if (Buffer.byteLength(path) > 107) throw new Error(`the admin socket ${path} would be longer than a Unix socket path may be; use a shorter data folder`);
    // The folder's lock is ours, so a socket file left here is a crashed server's.
    await rm(path, { force: true });
    const server = createServer((socket) => serve(socket, admin));
    server.maxConnections = 8;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    await chmod(path, 0o600);
    return new AdminServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
    await rm(this.path, { force: true });
  }
}

function serve(socket: Socket, admin: UserAdmin): void {
  let text = '';
  socket.setTimeout(TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0 && text.length <= MAX_LINE) return;
    socket.off('data', onData);
    if (end < 0) return reply(socket, { ok: false, error: 'the admin request is too long' });
    void answer(text.slice(0, end), admin).then((r) => reply(socket, r));
  };
  socket.on('data', onData);
}

async function answer(line: string, admin: UserAdmin): Promise<Reply> {
  try {
    const request = checkRequest(JSON.parse(line));
    if (request.op === 'add') await admin.add(request.user, request.displayName, request.password);
    if (request.op === 'remove') return { ok: true, removed: await admin.remove(request.user) };
    if (request.op === 'list') return { ok: true, users: await admin.list() };
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function reply(socket: Socket, reply: Reply): void {
  socket.end(`${JSON.stringify(reply)}\n`);
}

/** The admin of the server running on `dir`, or undefined when none answers there. */
export async function runningServer(dir: string): Promise<UserAdmin | undefined> {
  const path = join(dir, ADMIN_SOCKET);
  const socket = await new Promise<Socket | undefined>((resolve) => {
    const s = connect(path, () => resolve(s));
    s.once('error', () => resolve(undefined));
  });
  if (!socket) return undefined;
  socket.destroy();
  const call = (request: Request) => ask(path, request);
  return {
    add: async (user, displayName, password) => void (await call({ op: 'add', user, displayName, password })),
    remove: async (user) => (await call({ op: 'remove', user })).removed === true,
    list: async () => (await call({ op: 'list' })).users ?? [],
  };
}

function ask(path: string, request: Request): Promise<Extract<Reply, { ok: true }>> {
  return new Promise((resolve, reject) => {
    const socket = connect(path, () => socket.write(`${JSON.stringify(request)}\n`));
    let text = '';
    socket.setTimeout(TIMEOUT_MS + 5000, () => socket.destroy(new Error('the running server did not answer on its admin socket')));
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', (e) => reject(new Error(`cannot reach the running server's admin socket ${path}: ${e.message}`)));
    socket.on('end', () => {
      let answer: Reply;
      try {
        answer = JSON.parse(text) as Reply;
      } catch {
        return reject(new Error('the running server gave a garbled answer on its admin socket'));
      }
      if (answer.ok) resolve(answer);
      else reject(new Error(answer.error));
    });
  });
}
