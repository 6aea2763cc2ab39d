import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { RA_BIN } from '../fixtures.js';
import type { Host, LabProcess, NatLab } from './lab.js';

/**
 * A real `ra start` in one of the lab's namespaces, in its own home. Its web UI listens on 127.0.0.1 inside
 * that namespace, which the spec's process cannot reach: the spec talks to it with a short `node` run in the
 * same namespace (api) and a Chromium started there (browser), so the Host check and the secret work as for a person.
 */
export class LabRa {
  private constructor(
    private readonly lab: NatLab,
    readonly host: Host,
    readonly home: string,
    readonly process: LabProcess,
    readonly url: URL,
    readonly secret: string,
  ) {}

  static async start(
    lab: NatLab,
    host: Host,
    options: { port: number; display?: string; plugins?: Record<string, Record<string, unknown>>; env?: NodeJS.ProcessEnv },
  ): Promise<LabRa> {
    const home = await mkdtemp(join(tmpdir(), `ra-nat-${host}-`));
    const plugins = { 'ra.session': { listenHost: '0.0.0.0' }, ...options.plugins };
    await writeFile(
      join(home, 'settings.json'),
      JSON.stringify({ plugins: Object.fromEntries(Object.entries(plugins).map(([id, settings]) => [id, { settings }])) }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RA_HOME: home,
      RA_UNMANAGED: '1',
      RA_POLICY: join(home, 'no-policy.json'),
      RA_OPS_KEY: join(home, 'no-key.pub'),
      RA_PLUGIN_PATH: '',
      RA_LOG: 'info',
      ...options.env,
    };
    if (options.display) env.DISPLAY = options.display;
    else delete env.DISPLAY;
    const proc = lab.spawn(host, process.execPath, [RA_BIN, 'start', '--port', String(options.port), '--ui-port', '0'], env);
    try {
      const [, address] = await proc.waitFor(/Open RA: (\S+)\n/, 30_000);
      const url = new URL(address);
      return new LabRa(lab, host, home, proc, new URL('/', url), new URLSearchParams(url.hash.slice(1)).get('token')!);
    } catch (e) {
      await proc.stop();
      await rm(home, { recursive: true, force: true });
      throw e;
    }
  }

  /** The address a person opens: the secret in the fragment. */
  get openUrl(): string {
    return `${new URL(`/#token=${this.secret}`, this.url)}`;
  }

  /** Calls RA's local API from inside its namespace, as the CLI does. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const script = `const r = await fetch(process.env.URL, { method: process.env.METHOD, headers: JSON.parse(process.env.HEADERS), body: process.env.BODY || undefined });
process.stdout.write(JSON.stringify({ status: r.status, body: await r.json().catch(() => null) }));`;
    const headers = { authorization: `Bearer ${this.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    // The secret travels in the environment, never on a command line another process could read.
    const env = {
      ...process.env,
      URL: `${new URL(path, this.url)}`,
      METHOD: method,
      HEADERS: JSON.stringify(headers),
      BODY: body === undefined ? '' : JSON.stringify(body),
    };
    const out = await this.lab.run(this.host, process.execPath, ['--input-type=module', '-e', script], { env });
    return JSON.parse(out) as { status: number; body: T };
  }

  /** Headless Chromium started inside this RA's namespace (through a wrapper), so its page reaches the UI. */
  async browser(): Promise<Browser> {
    const folder = await mkdtemp(join(tmpdir(), 'ra-nat-chromium-'));
    const wrapper = join(folder, 'chromium');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${this.lab.ns(this.host)} /usr/bin/chromium "$@"\n`);
    await chmod(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    browser.once('disconnected', () => void rm(folder, { recursive: true, force: true }));
    return browser;
  }

  output(): string {
    return this.process.output();
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await rm(this.home, { recursive: true, force: true });
  }
}
