import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOpsKeyPair, signDetached } from '@ra/kernel/node';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A temporary folder whose plugins resolve `@ra/kernel` from the repo, as an installed plugin would. */
export class Workspace {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Workspace> {
    const dir = await mkdtemp(join(tmpdir(), 'ra-test-'));
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    const ws = new Workspace(dir);
    await ws.write(join(ws.owners, 'test.owner'), { id: 'test.owner', kernel: '^0.1.0', entries: { node: 'index.js' }, ...OWNER }, DEFAULT_CODE);
    return ws;
  }

  /** A folder with `test.owner`, which declares the points, hooks and policy section the loader specs use, as ra.session does for RA. */
  get owners(): string {
    return join(this.dir, 'owners');
  }

  get plugins(): string {
    return join(this.dir, 'plugins');
  }
  get home(): string {
    return join(this.dir, 'home');
  }
  get policyPath(): string {
    return join(this.dir, 'policy.json');
  }
  get keyPath(): string {
    return join(this.dir, 'ops-key.pub');
  }

  /** Writes a plugin folder: package.json with `raPlugin`, and `index.js` with the given body. */
  async plugin(id: string, manifest: Record<string, unknown> = {}, code = DEFAULT_CODE, version = '1.0.0'): Promise<string> {
    return this.write(join(this.plugins, id), { id, kernel: '^0.1.0', entries: { node: 'index.js' }, ...manifest }, code, version);
  }

  private async write(dir: string, raPlugin: Record<string, unknown>, code: string, version = '1.0.0'): Promise<string> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: raPlugin.id, version, type: 'module', raPlugin }, null, 2));
    await writeFile(join(dir, 'index.js'), `${IMPORTS}\n${code}\n`);
    return dir;
  }

  /** Signs `policy` with a fresh ops key pinned at `keyPath`; returns the private key for re-signing. */
  async signedPolicy(policy: object): Promise<string> {
    const { publicPem, privatePem } = generateOpsKeyPair();
    const text = Buffer.from(JSON.stringify(policy, null, 2));
    await writeFile(this.policyPath, text);
    await writeFile(`${this.policyPath}.sig`, signDetached(privatePem, text));
    await writeFile(this.keyPath, publicPem);
    return privatePem;
  }

  async settings(value: object): Promise<void> {
    await mkdir(this.home, { recursive: true });
    await writeFile(join(this.home, 'settings.json'), JSON.stringify(value));
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

const IMPORTS = `import { ContainerModule } from '@ra/kernel/inversify';
import * as ra from '@ra/kernel';
import { definePlugin } from '@ra/kernel';`;

export const DEFAULT_CODE = 'export default definePlugin({});';

const series = (arg: string) => ({ kind: 'series', args: [arg] });

/** What `test.owner` declares. */
const OWNER = {
  extensionPoints: {
    InvitationTransport: { cardinality: 'many' },
    CaptureSource: { cardinality: 'many', permission: 'capture' },
    Mailer: { cardinality: 'one', permission: 'mail' },
    InvitationStore: { cardinality: 'one' },
  },
  hooks: {
    invitationCreated: series('invitation'),
    invitationBeforeSend: { kind: 'waterfall', args: ['outgoing'], final: ['veto'] },
    sessionConnecting: { kind: 'refuse', args: ['connecting'] },
    sessionOpened: series('session'),
  },
  policy: {
    solicited: {
      type: 'object',
      additionalProperties: false,
      properties: { allowed: { type: 'boolean', default: true }, allowControl: { type: 'boolean', default: true } },
    },
  },
};

/** Plugin code that contributes an InvitationTransport with `id`. */
export function transportCode(id: string, extra = ''): string {
  return `const transport = { id: '${id}', title: '${id}', async deliver(e, target) { return { transport: '${id}', target, deliveredAt: new Date() }; } };
export default definePlugin({ module: new ContainerModule(({ bind }) => { bind(ra.token('InvitationTransport')).toConstantValue(transport); }) ${extra} });`;
}

export const RA_BIN = join(REPO, 'host', 'dist', 'node', 'main.js');

/** A running `ra start` for a spec: its address, secret, and everything it printed. */
export class RunningRa {
  private constructor(
    readonly child: ChildProcess,
    readonly url: URL,
    readonly secret: string,
    readonly output: () => string,
  ) {}

  /** Starts `ra start ARGS…` and waits for "Open RA: …"; fails with the output when it exits first. */
  static start(env: NodeJS.ProcessEnv, ...args: string[]): Promise<RunningRa> {
    return RunningRa.startIn(undefined, env, args);
  }

  /** The same, its command run through `wrap` (in a network namespace: `ip netns exec` execs, so the PID stays RA's). */
  static async startIn(
    wrap: ((command: string, args: string[]) => [string, string[]]) | undefined,
    env: NodeJS.ProcessEnv,
    args: string[],
  ): Promise<RunningRa> {
    const [command, argv] = (wrap ?? ((c, a) => [c, a]))(process.execPath, [RA_BIN, 'start', ...args]);
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`ra start printed no address within 15 s:\n${out}`));
      }, 15_000);
      child.stdout!.on('data', () => {
        const match = /Open RA: (\S+)\n/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ra start exited with ${code}:\n${out}`));
      });
    });
    const url = new URL(address);
    return new RunningRa(child, new URL('/', url), new URLSearchParams(url.hash.slice(1)).get('token')!, () => out);
  }

  get port(): number {
    return Number(this.url.port);
  }

  /** SIGTERM, then the exit code (SIGKILL after five seconds, and the code is null). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/** Settings that keep the built-in plugins out of a spec that brings its own routes and services. */
export const NO_BUILTINS = {
  plugins: Object.fromEntries(
    ['ra.chat', 'ra.control', 'ra.file', 'ra.messenger', 'ra.session', 'ra.screen', 'ra.upnp', 'ra.x11'].map((id) => [id, { enabled: false }]),
  ),
};
