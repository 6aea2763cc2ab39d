import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../fixtures.js';

export const RA_MAIN = join(REPO, 'host', 'dist', 'node', 'main.js');

/** A real `ra start` in its own home, for one role of an end-to-end test. */
export class RaProcess {
  private constructor(
    readonly name: string,
    readonly home: string,
    readonly url: string,
    readonly secret: string,
    readonly port: number,
    private readonly child: ChildProcess,
    readonly output: () => string,
  ) {}

  /** Starts RA listening for helpers on 127.0.0.1:`port` and waits for the address of its UI. */
  static async start(name: string, options: { port: number; display?: string; home?: string; settings?: Record<string, unknown> }): Promise<RaProcess> {
    const home = options.home ?? (await mkdtemp(join(tmpdir(), `ra-e2e-${name}-`)));
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'settings.json'), JSON.stringify({ plugins: { 'ra.session': { settings: { listenHost: '127.0.0.1', ...options.settings } } } }));
    const env: NodeJS.ProcessEnv = { ...process.env, RA_HOME: home, RA_POLICY: join(home, 'no-policy.json'), RA_OPS_KEY: join(home, 'no-key.pub'), RA_PLUGIN_PATH: '', RA_LOG: 'info' };
    if (options.display) env.DISPLAY = options.display;
    else delete env.DISPLAY;
    const child = spawn(process.execPath, [RA_MAIN, 'start', '--port', String(options.port), '--ui-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RA (${name}) did not print its address within 20 s:\n${out}`)), 20_000);
      const check = () => {
        const match = /Open RA: (http:\/\/127\.0\.0\.1:\d+\/\?k=\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => reject(new Error(`RA (${name}) exited with ${code}:\n${out}`)));
    });
    const secret = new URL(url).searchParams.get('k')!;
    return new RaProcess(name, home, url, secret, options.port, child, () => out);
  }

  /** Calls the local API as the CLI does. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(new URL(path, this.url), {
      method,
      headers: { authorization: `Bearer ${this.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Stops RA and waits for it; removes its home unless it was given. */
  async stop(keepHome = false): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!keepHome) await rm(this.home, { recursive: true, force: true });
  }
}
