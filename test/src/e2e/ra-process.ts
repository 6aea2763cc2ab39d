import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShapedLink } from '@ra/test-kit';
import { until } from '@ra/kernel/testing';
import { RunningRa } from '../fixtures.js';

/** A real `ra start` in its own home, for one role of an end-to-end test. */
export class RaProcess {
  private constructor(
    readonly name: string,
    readonly home: string,
    readonly port: number,
    private readonly ra: RunningRa,
    /** The environment it runs in: the `ra` CLI run with it drives this RA. */
    readonly env: NodeJS.ProcessEnv,
    /** The shaped link whose namespace it runs in: its UI is reached from inside. */
    private readonly link?: ShapedLink,
  ) {}

  /** The address RA printed: the secret in the fragment, as a person opens it. */
  get url(): string {
    return `${new URL(`/#token=${this.ra.secret}`, this.ra.url)}`;
  }

  get secret(): string {
    return this.ra.secret;
  }

  get pid(): number {
    return this.ra.child.pid!;
  }

  output(): string {
    return this.ra.output();
  }

  /** Starts RA listening for helpers on 127.0.0.1:`port` and waits for the address of its UI. */
  static async start(
    name: string,
    options: {
      port: number;
      display?: string;
      home?: string;
      settings?: Record<string, unknown>;
      plugins?: Record<string, Record<string, unknown>>;
      pluginPath?: string;
      /** Extra variables, e.g. RA_POLICY and RA_OPS_KEY for a signed policy. */
      env?: NodeJS.ProcessEnv;
      /** Runs RA in the link's namespace, listening on its side of the link. */
      link?: ShapedLink;
    },
  ): Promise<RaProcess> {
    const home = options.home ?? (await mkdtemp(join(tmpdir(), `ra-e2e-${name}-`)));
    await mkdir(home, { recursive: true });
    await writeFile(
      join(home, 'settings.json'),
      JSON.stringify({
        plugins: {
          'ra.session': { settings: { listenHost: options.link?.noviceAddress ?? '127.0.0.1', ...options.settings } },
          ...Object.fromEntries(Object.entries(options.plugins ?? {}).map(([id, settings]) => [id, { settings }])),
        },
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RA_HOME: home,
      RA_UNMANAGED: '1',
      RA_POLICY: join(home, 'no-policy.json'),
      RA_OPS_KEY: join(home, 'no-key.pub'),
      RA_PLUGIN_PATH: options.pluginPath ?? '',
      RA_LOG: 'info',
      ...options.env,
    };
    if (options.display) env.DISPLAY = options.display;
    else delete env.DISPLAY;
    const ra = await RunningRa.startIn(options.link && ((c, a) => options.link!.wrap(c, a)), env, ['--port', String(options.port), '--ui-port', '0']);
    return new RaProcess(name, home, options.port, ra, env, options.link);
  }

  /** Calls the local API as the CLI does. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const init = {
      method,
      headers: { authorization: `Bearer ${this.ra.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const url = new URL(path, this.ra.url).href;
    if (this.link) {
      const { status, text } = await this.link.fetch(url, init);
      return { status, body: JSON.parse(text) as T };
    }
    const response = await fetch(url, init);
    return { status: response.status, body: (await response.json()) as T };
  }

  /** As the novice: waits for a helper's request to show, then accepts or declines it; the session's id and safety code. */
  async answer(verb: 'accept' | 'decline' = 'accept'): Promise<{ id: string; safetyCode: string }> {
    let id = '';
    await until(
      async () => {
        const sessions = (await this.api<{ id: string; state: string }[]>('GET', '/api/sessions')).body;
        id = sessions.find((s) => s.state === 'awaiting-consent')?.id ?? '';
        return id !== '';
      },
      20_000,
      'no request reached the novice',
      50,
    );
    const view = await this.api<{ safetyCode: string }>('POST', `/api/sessions/${id}/${verb}`);
    return { id, safetyCode: view.body.safetyCode };
  }

  /** Stops RA and waits for it; removes its home unless asked to keep it. */
  async stop(keepHome = false): Promise<void> {
    await this.ra.stop();
    if (!keepHome) await rm(this.home, { recursive: true, force: true });
  }
}
